// make_requests: writes signed webhook requests for the benchmark.
//
// Output: one request per line, "<hex HMAC-SHA256 signature>\t<JSON body>\n".
// Bodies never contain a raw newline (JSON escapes them), so a wrk Lua script
// can read the file with io.lines() and split each line at the first TAB.
// With --shards T it also writes FILE.shard<T>-<i> for i in 0..T-1, shard i
// holding lines i, i+T, i+2T, … of FILE: each wrk thread then reads only the
// lines it sends (bench/ingest.lua).
//
// Every line is a pure function of (seed, variant, prefix, index): running the
// generator twice with the same arguments writes the same file. Line i carries
// message_id "<prefix>-<start + i>", so runs with different prefixes never
// collide in one database, and ranges written by separate calls with the same
// prefix (--start) never collide either. The messages themselves (senders,
// timestamps, texts) come from bench/message_content.hpp, which
// bench/make_database.cpp shares: row i of a generated database is line i here.
//
// --duplicates writes the same message_ids as the normal mode would for the
// same --prefix/--start/--count, but with different bodies (other ts, text,
// recipient), each correctly signed: re-deliveries the service must answer
// 200 without storing anything ("the first stored version wins").
//
// --live stamps the messages in arrival order after the generated year (see
// message_content::make_live): what a live sender delivers, each new row at
// the end of the table rather than at a random place in it.
//
// --senders FILE writes every sender the content can draw (5,000, one E.164
// number a line, busiest first) and nothing else: the read phases draw
// `from=` uniformly over that list.
//
// Build: g++ -std=c++17 -O2 -I. bench/make_requests.cpp -lcrypto
// (or through CMake: the make_requests target).
#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "bench/message_content.hpp"
#include "bench/tool_arguments.hpp"

namespace {

// ---------------------------------------------------------------- HMAC-SHA256

// HMAC-SHA256 with the key schedule done once: the inner and outer digest
// states after the padded key are kept and copied for every message, so a
// million signatures cost a million pairs of short SHA-256 runs, nothing more.
class hmac_sha256 {
 public:
  explicit hmac_sha256(std::string_view key)
      : inner_(EVP_MD_CTX_new(), EVP_MD_CTX_free),
        outer_(EVP_MD_CTX_new(), EVP_MD_CTX_free),
        work_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!inner_ || !outer_ || !work_) throw std::runtime_error("EVP_MD_CTX_new failed");
    constexpr std::size_t block = 64;
    std::array<unsigned char, block> k{};
    if (key.size() > block) {
      unsigned int n = 0;
      if (EVP_Digest(key.data(), key.size(), k.data(), &n, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("EVP_Digest failed");
    } else {
      std::memcpy(k.data(), key.data(), key.size());
    }
    std::array<unsigned char, block> ipad{}, opad{};
    for (std::size_t i = 0; i < block; ++i) {
      ipad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
      opad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
    }
    check(EVP_DigestInit_ex(inner_.get(), EVP_sha256(), nullptr));
    check(EVP_DigestUpdate(inner_.get(), ipad.data(), block));
    check(EVP_DigestInit_ex(outer_.get(), EVP_sha256(), nullptr));
    check(EVP_DigestUpdate(outer_.get(), opad.data(), block));
  }

  // Lower-case hex of HMAC-SHA256(key, message), written into `out`.
  void hex(std::string_view message, std::string& out) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    check(EVP_MD_CTX_copy_ex(work_.get(), inner_.get()));
    check(EVP_DigestUpdate(work_.get(), message.data(), message.size()));
    check(EVP_DigestFinal_ex(work_.get(), digest, &n));
    check(EVP_MD_CTX_copy_ex(work_.get(), outer_.get()));
    check(EVP_DigestUpdate(work_.get(), digest, n));
    check(EVP_DigestFinal_ex(work_.get(), digest, &n));
    static constexpr char digits[] = "0123456789abcdef";
    out.clear();
    for (unsigned int i = 0; i < n; ++i) {
      out.push_back(digits[digest[i] >> 4]);
      out.push_back(digits[digest[i] & 0xf]);
    }
  }

 private:
  static void check(int ok) {
    if (ok != 1) throw std::runtime_error("OpenSSL digest call failed");
  }
  using ctx_ptr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
  ctx_ptr inner_, outer_, work_;
};

// RFC 4231 test case 2, so a broken build cannot silently sign garbage.
void self_test() {
  hmac_sha256 h{"Jefe"};
  std::string out;
  h.hex("what do ya want for nothing?", out);
  if (out != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    throw std::runtime_error("HMAC-SHA256 self-test failed");
}

// ------------------------------------------------------------------ bodies

// JSON string contents: the texts hold quotes, backslashes and newlines
// (message_content.hpp); nothing else in them needs escaping, but every
// control character is escaped all the same.
void append_json_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
}

// The JSON body of a message; field order varies a little, as real senders
// do, and unknown fields appear now and then.
void append_body(const webhookd::bench::message& m, std::string_view prefix, std::string& out) {
  out += "{\"message_id\":\"";
  out += prefix;
  out += '-';
  out += std::to_string(m.index);
  out += "\",\"from\":\"";
  out += m.from;
  out += "\",\"to\":\"";
  out += m.to;
  out += "\",\"ts\":\"";
  out += m.ts;
  out += '"';
  switch (m.kind) {
    case webhookd::bench::text_kind::null: out += ",\"text\":null"; break;
    case webhookd::bench::text_kind::absent: break;
    case webhookd::bench::text_kind::present:
      out += ",\"text\":\"";
      append_json_escaped(out, m.text);
      out += '"';
      break;
  }
  if (m.channel) out += ",\"channel\":\"sms\"";
  out += '}';
}

// ------------------------------------------------------------------- main

[[noreturn]] void usage(const char* why) {
  if (why) std::fprintf(stderr, "make_requests: %s\n", why);
  std::fprintf(stderr,
               "usage: make_requests --count N --out FILE [--secret S] [--prefix P]\n"
               "                     [--start I] [--seed X] [--duplicates] [--live] [--shards T]\n"
               "       make_requests --senders FILE\n"
               "  --secret     HMAC secret (default: $WEBHOOK_SECRET)\n"
               "  --prefix     message_id prefix (default: run-<unix time>-<pid>)\n"
               "  --start      index of the first line's message_id (default 0)\n"
               "  --seed       content seed (default 1)\n"
               "  --duplicates same message_ids as without it, different bodies\n"
               "  --live       ts in arrival order after the generated year (live traffic)\n"
               "  --shards T   also write FILE.shard<T>-<i>: lines i, i+T, … (not with --out -)\n"
               "  --out -      writes to stdout\n"
               "  --senders    write the 5,000 senders, one a line, and nothing else\n");
  std::exit(2);
}

std::uint64_t parse_u64(const char* name, const char* s) {
  const auto v = webhookd::bench::parse_count(s);
  if (!v) usage((std::string{name} + " needs a non-negative integer").c_str());
  return *v;
}

// --senders: every sender the content draws from, busiest first.
int write_senders(const std::string& path, std::uint64_t seed) {
  const webhookd::bench::message_content content{seed, 0};
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (!out) {
    std::fprintf(stderr, "make_requests: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  for (const std::string& s : content.senders()) std::fprintf(out, "%s\n", s.c_str());
  if (std::fclose(out) != 0) {
    std::fprintf(stderr, "make_requests: write failed: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t count = 0, start = 0, seed = 1, shards = 0;
  bool have_count = false, duplicates = false, live = false;
  std::string out_path, prefix, secret, senders_path;
  if (const char* env = std::getenv("WEBHOOK_SECRET")) secret = env;

  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage((std::string{a} + " needs a value").c_str());
      return argv[++i];
    };
    if (a == "--count") {
      count = parse_u64("--count", value());
      have_count = true;
    } else if (a == "--out") {
      out_path = value();
    } else if (a == "--secret") {
      secret = value();
    } else if (a == "--prefix") {
      prefix = value();
    } else if (a == "--start") {
      start = parse_u64("--start", value());
    } else if (a == "--seed") {
      seed = parse_u64("--seed", value());
    } else if (a == "--shards") {
      shards = parse_u64("--shards", value());
      if (shards < 1 || shards > 256) usage("--shards must be 1..256");
    } else if (a == "--duplicates") {
      duplicates = true;
    } else if (a == "--live") {
      live = true;
    } else if (a == "--senders") {
      senders_path = value();
    } else if (a == "-h" || a == "--help") {
      usage(nullptr);
    } else {
      usage(("unknown argument " + std::string{a}).c_str());
    }
  }
  if (!senders_path.empty()) return write_senders(senders_path, seed);
  if (!have_count) usage("--count is required");
  if (out_path.empty()) usage("--out is required");
  if (secret.empty()) usage("no secret: pass --secret or set WEBHOOK_SECRET");
  if (prefix.empty()) {
    prefix = "run-" + std::to_string(static_cast<long long>(std::time(nullptr))) + "-" +
             std::to_string(static_cast<long long>(getpid()));
  }
  if (!webhookd::bench::valid_prefix(prefix)) usage("--prefix may only hold [A-Za-z0-9._-]");

  try {
    self_test();
    hmac_sha256 mac{secret};
    const webhookd::bench::message_content content{seed, duplicates ? 1u : 0u};
    webhookd::bench::message message;

    std::FILE* out = out_path == "-" ? stdout : std::fopen(out_path.c_str(), "wb");
    if (!out) {
      std::fprintf(stderr, "make_requests: cannot open %s: %s\n", out_path.c_str(), std::strerror(errno));
      return 1;
    }
    static char buffer[1 << 20];
    std::setvbuf(out, buffer, _IOFBF, sizeof buffer);
    if (shards > 0 && out == stdout) usage("--shards needs a file for --out");
    std::vector<std::FILE*> shard_files;
    for (std::uint64_t i = 0; i < shards; ++i) {
      const std::string name = out_path + ".shard" + std::to_string(shards) + "-" + std::to_string(i);
      std::FILE* f = std::fopen(name.c_str(), "wb");
      if (!f) {
        std::fprintf(stderr, "make_requests: cannot open %s: %s\n", name.c_str(), std::strerror(errno));
        return 1;
      }
      std::setvbuf(f, nullptr, _IOFBF, 1 << 18);
      shard_files.push_back(f);
    }

    const auto t0 = std::chrono::steady_clock::now();
    std::string body, sig, line;
    std::uint64_t bytes = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
      if (live)
        content.make_live(start + i, message);
      else
        content.make(start + i, message);
      body.clear();
      append_body(message, prefix, body);
      mac.hex(body, sig);
      line.clear();
      line += sig;
      line += '\t';
      line += body;
      line += '\n';
      std::FILE* shard = shards > 0 ? shard_files[i % shards] : nullptr;
      if (std::fwrite(line.data(), 1, line.size(), out) != line.size() ||
          (shard && std::fwrite(line.data(), 1, line.size(), shard) != line.size())) {
        std::fprintf(stderr, "make_requests: write failed: %s\n", std::strerror(errno));
        return 1;
      }
      bytes += line.size();
    }
    bool closed = std::fflush(out) == 0 && (out == stdout || std::fclose(out) == 0);
    for (std::FILE* f : shard_files) closed = std::fclose(f) == 0 && closed;
    if (!closed) {
      std::fprintf(stderr, "make_requests: write failed: %s\n", std::strerror(errno));
      return 1;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr,
                 "make_requests: %llu %s lines (%s-%llu .. %s-%llu), %.1f MB, %.2f s\n",
                 static_cast<unsigned long long>(count), duplicates ? "duplicate" : "unique",
                 prefix.c_str(), static_cast<unsigned long long>(start), prefix.c_str(),
                 static_cast<unsigned long long>(start + (count ? count - 1 : 0)),
                 static_cast<double>(bytes) / 1e6, secs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_requests: %s\n", e.what());
    return 1;
  }
  return 0;
}
