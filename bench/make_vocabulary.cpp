// make_vocabulary: measures, on a database of messages, how many texts
// contain each candidate search string (q's semantics: a literal substring,
// ASCII case-insensitive), and writes the q values of the read phases:
//
//   make_vocabulary --database FILE --out-dir DIR [--per-bin N] [--short-per-bin N]
//                   [--absent N] [--min F] [--max F] [--seed X]
//
//   DIR/frequencies.tsv  every candidate: fraction of messages, messages, string
//   DIR/words.tsv        q words of 3 or more characters, spread over [--min, --max]
//   DIR/short.tsv        q words of 1 or 2 characters (letter pairs, and
//                        single-character or two-character Unicode words such
//                        as "£" or "東京"), spread over the same range
//   DIR/absent.tsv       --absent strings of 5-10 letters that no text contains
//
// Each q file holds "<URL-encoded q>\t<fraction of messages>\t<messages>" a line;
// the wrk scripts send the first field as is.
//
// The candidates: every word of bench/message_content.hpp's vocabulary, each
// ASCII word followed by "," "." "!" or "?", every pair of ASCII words
// joined by a space (what a user searching a phrase sends; the pairs reach
// down to 0.01 %, single words do not go below about 1 %), and every pair of
// letters. They are counted in one pass over the texts with an Aho-Corasick
// automaton, so the count costs the same for 10 or 20,000 candidates (13,360
// candidates: 8.7 s for 1M rows, 34 s for 10M, about 50 MB resident).
//
// Spread: the range [--min, --max] is cut into bins a quarter of a decade
// wide, and up to --per-bin candidates are drawn at random from each, so the
// chosen words' frequencies are close to log-uniform over the range rather
// than piled up where most candidates are (rare phrases).
//
// Absent: an ASCII-letter string can only occur inside a run of ASCII letters
// of a text, so the strings are checked against the set of distinct letter
// runs the pass collected: exact, and quick for any number of strings.
//
// Reads the database through the service's SQLite wrapper, read-only (the
// service may be running: WAL readers do not disturb it).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "actors/storage/sqlite/connection.hpp"
#include "bench/message_content.hpp"
#include "bench/substring_counter.hpp"
#include "bench/tool_arguments.hpp"

namespace {

namespace content = webhookd::bench;
namespace sqlite = webhookd::sqlite;

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string lowered(std::string_view s) {
  std::string out{s};
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// UTF-8 code points: every byte that does not continue a sequence.
std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
    std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string url_encoded(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool unreserved = std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved && c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The candidates, lower-cased (ASCII only, as q compares) and without repeats.
std::vector<std::string> candidates() {
  std::vector<std::string> all;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string s) {
    if (seen.insert(s).second) all.push_back(std::move(s));
  };
  std::vector<std::string> ascii;
  for (auto w : content::ascii_words) {
    std::string l = lowered(w);
    if (std::find(ascii.begin(), ascii.end(), l) == ascii.end()) ascii.push_back(l);
  }
  for (const auto& w : ascii) add(w);
  for (auto w : content::unicode_words) add(lowered(w));
  for (auto w : content::special_words) add(lowered(w));
  for (const auto& w : ascii)
    for (const char* p : {",", ".", "!", "?"}) add(w + p);
  for (const auto& a : ascii)
    for (const auto& b : ascii) add(a + " " + b);
  for (char a = 'a'; a <= 'z'; ++a)
    for (char b = 'a'; b <= 'z'; ++b) add(std::string{a, b});
  return all;
}

struct measured {
  std::string text;
  std::int64_t docs = 0;
  double fraction = 0;
};

[[noreturn]] void usage(const char* why) {
  if (why) std::fprintf(stderr, "make_vocabulary: %s\n", why);
  std::fprintf(stderr,
               "usage: make_vocabulary --database FILE --out-dir DIR [--per-bin N] [--short-per-bin N]\n"
               "                       [--absent N] [--min F] [--max F] [--seed X]\n"
               "  --per-bin        q words drawn per quarter decade of frequency (default 25)\n"
               "  --short-per-bin  1-2 character q words drawn per quarter decade (default 6)\n"
               "  --absent         absent strings to write (default 100000)\n"
               "  --min, --max     the frequency range, fractions of messages (default 0.0001, 0.30)\n"
               "  --seed           for the draws (default 1)\n");
  std::exit(2);
}

double parse_fraction(const char* name, const char* s) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !(v > 0 && v <= 1)) usage((std::string{name} + " is a fraction in (0, 1]").c_str());
  return v;
}

std::uint64_t parse_u64(const char* name, const char* s) {
  const auto v = webhookd::bench::parse_count(s);
  if (!v) usage((std::string{name} + " needs a non-negative integer").c_str());
  return *v;
}

// Up to `per_bin` of `pool` (those within [lo, hi]) from each quarter decade.
std::vector<measured> spread(const std::vector<measured>& pool, double lo, double hi, std::size_t per_bin,
                             content::rng& r) {
  const double bin_width = 0.25;  // decades
  const auto bins = static_cast<std::size_t>(std::ceil(std::log10(hi / lo) / bin_width - 1e-9));
  std::map<std::size_t, std::vector<const measured*>> by_bin;
  for (const auto& m : pool) {
    if (m.fraction < lo || m.fraction > hi) continue;
    auto bin = static_cast<std::size_t>(std::log10(m.fraction / lo) / bin_width);
    by_bin[std::min(bin, bins - 1)].push_back(&m);
  }
  std::vector<measured> chosen;
  for (auto& [bin, members] : by_bin) {
    // A partial Fisher-Yates shuffle: the first per_bin are the draw.
    const std::size_t take = std::min(per_bin, members.size());
    for (std::size_t i = 0; i < take; ++i) {
      std::swap(members[i], members[i + r.below(members.size() - i)]);
      chosen.push_back(*members[i]);
    }
  }
  std::sort(chosen.begin(), chosen.end(), [](const measured& a, const measured& b) { return a.fraction > b.fraction; });
  return chosen;
}

void write_q_file(const std::string& path, const std::vector<measured>& words) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  for (const auto& m : words)
    std::fprintf(f, "%s\t%.6f\t%lld\n", url_encoded(m.text).c_str(), m.fraction, static_cast<long long>(m.docs));
  if (std::fclose(f) != 0) throw std::runtime_error("write failed: " + path);
}

// `count` distinct strings of 5-10 lower-case letters, each a substring of
// no letter run.
std::vector<measured> absent_strings(const std::unordered_set<std::string>& runs, std::size_t count, content::rng& r) {
  std::vector<measured> out;
  std::unordered_set<std::string> taken;
  std::size_t rejected = 0;
  while (out.size() < count) {
    std::string s(5 + r.below(6), 'a');
    for (char& c : s) c = static_cast<char>('a' + r.below(26));
    bool present = false;
    for (const auto& run : runs)
      if (run.size() >= s.size() && run.find(s) != std::string::npos) {
        present = true;
        break;
      }
    if (present) {
      if (++rejected > count + 1000) throw std::runtime_error("too many random strings occur in the texts");
      continue;
    }
    if (taken.insert(s).second) out.push_back(measured{s, 0, 0});
  }
  return out;
}

std::string percent(double f) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g %%", f * 100);
  return text;
}

void summarize(const char* what, const std::vector<measured>& words) {
  if (words.empty()) {
    std::fprintf(stderr, "make_vocabulary: %s: none\n", what);
    return;
  }
  std::fprintf(stderr, "make_vocabulary: %s: %zu, frequencies %s .. %s (median %s), e.g. '%s' %s, '%s' %s\n", what,
               words.size(), percent(words.back().fraction).c_str(), percent(words.front().fraction).c_str(),
               percent(words[words.size() / 2].fraction).c_str(), words.front().text.c_str(),
               percent(words.front().fraction).c_str(), words.back().text.c_str(),
               percent(words.back().fraction).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string database, out_dir;
  std::size_t per_bin = 25, short_per_bin = 6, absent = 100000;
  double lo = 0.0001, hi = 0.30;
  std::uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage((std::string{a} + " needs a value").c_str());
      return argv[++i];
    };
    if (a == "--database") database = value();
    else if (a == "--out-dir") out_dir = value();
    else if (a == "--per-bin") per_bin = parse_u64("--per-bin", value());
    else if (a == "--short-per-bin") short_per_bin = parse_u64("--short-per-bin", value());
    else if (a == "--absent") absent = parse_u64("--absent", value());
    else if (a == "--min") lo = parse_fraction("--min", value());
    else if (a == "--max") hi = parse_fraction("--max", value());
    else if (a == "--seed") seed = parse_u64("--seed", value());
    else if (a == "-h" || a == "--help") usage(nullptr);
    else usage(("unknown argument " + std::string{a}).c_str());
  }
  if (database.empty() || out_dir.empty()) usage("--database and --out-dir are required");
  if (!(lo < hi)) usage("--min must be below --max");

  try {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<std::string> patterns = candidates();
    content::substring_counter counter{patterns};
    std::unordered_set<std::string> runs;  // distinct lower-case ASCII-letter runs

    sqlite::connection db{database, sqlite::connection::mode::read_only};
    db.exec("BEGIN");  // one snapshot: the count and the texts agree
    auto rows_stmt = db.prepare("SELECT COUNT(*) FROM messages");
    const std::int64_t rows = rows_stmt.step() ? rows_stmt.column_int(0) : 0;
    if (rows == 0) throw std::runtime_error("the database holds no messages");
    auto texts = db.prepare("SELECT text FROM messages WHERE text IS NOT NULL");
    std::string lower;
    std::int64_t with_text = 0;
    while (texts.step()) {
      const std::string_view text = texts.column_view(0);
      lower.assign(text);
      for (char& c : lower) c = ascii_lower(c);
      counter.count(lower);
      std::size_t run_start = 0;
      for (std::size_t i = 0; i <= lower.size(); ++i) {
        if (i < lower.size() && ascii_letter(lower[i])) continue;
        if (i > run_start) runs.emplace(lower, run_start, i - run_start);
        run_start = i + 1;
      }
      ++with_text;
    }
    db.exec("COMMIT");

    std::vector<measured> all;
    for (std::size_t id = 0; id < patterns.size(); ++id) {
      const std::int64_t docs = counter.docs()[id];
      all.push_back(measured{patterns[id], docs, static_cast<double>(docs) / static_cast<double>(rows)});
    }
    std::sort(all.begin(), all.end(), [](const measured& a, const measured& b) {
      return a.fraction != b.fraction ? a.fraction > b.fraction : a.text < b.text;
    });
    std::vector<measured> long_pool, short_pool;
    for (const auto& m : all) (code_points(m.text) >= 3 ? long_pool : short_pool).push_back(m);

    content::rng r{content::mix(seed, 0x766f636162ULL)};
    const std::vector<measured> words = spread(long_pool, lo, hi, per_bin, r);
    const std::vector<measured> short_words = spread(short_pool, lo, hi, short_per_bin, r);
    const std::vector<measured> missing = absent_strings(runs, absent, r);
    if (words.empty() || short_words.empty()) throw std::runtime_error("no candidate falls in the frequency range");

    write_q_file(out_dir + "/frequencies.tsv", all);
    write_q_file(out_dir + "/words.tsv", words);
    write_q_file(out_dir + "/short.tsv", short_words);
    write_q_file(out_dir + "/absent.tsv", missing);

    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "make_vocabulary: %lld messages (%lld with text), %zu candidates, %zu letter runs, %.1f s\n",
                 static_cast<long long>(rows), static_cast<long long>(with_text), patterns.size(), runs.size(), secs);
    summarize("words", words);
    summarize("1-2 character words", short_words);
    std::fprintf(stderr, "make_vocabulary: absent strings: %zu\n", missing.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_vocabulary: %s\n", e.what());
    return 1;
  }
  return 0;
}
