#include "support/json_schema_check.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "core/utf8.hpp"

namespace webhookd::test {

namespace {

using nlohmann::json;

// One atom of a pattern: the characters it accepts and how often.
struct atom {
  std::set<char> chars;
  std::size_t min = 1;
  std::size_t max = 1;
};

std::size_t parse_count(std::string_view p, std::size_t& i) {
  std::size_t n = 0;
  bool any = false;
  while (i < p.size() && p[i] >= '0' && p[i] <= '9') {
    n = n * 10 + static_cast<std::size_t>(p[i++] - '0');
    any = true;
  }
  if (!any) throw std::invalid_argument("pattern: a count expected");
  return n;
}

std::vector<atom> compile(std::string_view p) {
  if (p.size() < 2 || p.front() != '^' || p.back() != '$') throw std::invalid_argument("pattern must be ^...$");
  p = p.substr(1, p.size() - 2);
  std::vector<atom> atoms;
  for (std::size_t i = 0; i < p.size();) {
    atom a;
    if (p[i] == '[') {
      ++i;
      while (i < p.size() && p[i] != ']') {
        char first = p[i] == '\\' ? p[++i] : p[i];
        ++i;
        if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
          char last = p[i + 1];
          for (int c = first; c <= last; ++c) a.chars.insert(static_cast<char>(c));
          i += 2;
        } else {
          a.chars.insert(first);
        }
      }
      if (i >= p.size()) throw std::invalid_argument("pattern: unclosed [");
      ++i;
    } else if (p[i] == '\\') {
      if (i + 1 >= p.size()) throw std::invalid_argument("pattern: trailing \\");
      a.chars.insert(p[i + 1]);
      i += 2;
    } else if (std::string_view{"().|^$"}.find(p[i]) != std::string_view::npos) {
      throw std::invalid_argument(std::string{"pattern: unsupported "} + p[i]);
    } else {
      a.chars.insert(p[i++]);
    }
    if (i < p.size() && (p[i] == '?' || p[i] == '*' || p[i] == '+')) {
      a.min = p[i] == '+' ? 1 : 0;
      a.max = p[i] == '?' ? 1 : std::string_view::npos;
      ++i;
    } else if (i < p.size() && p[i] == '{') {
      ++i;
      a.min = parse_count(p, i);
      a.max = a.min;
      if (i < p.size() && p[i] == ',') {
        ++i;
        a.max = parse_count(p, i);
      }
      if (i >= p.size() || p[i] != '}') throw std::invalid_argument("pattern: unclosed {");
      ++i;
    }
    atoms.push_back(std::move(a));
  }
  return atoms;
}

bool match_from(const std::vector<atom>& atoms, std::size_t k, std::string_view text, std::size_t at) {
  if (k == atoms.size()) return at == text.size();
  const auto& a = atoms[k];
  std::size_t n = 0;
  while (n < a.max && at + n < text.size() && a.chars.count(text[at + n]) > 0) ++n;
  for (std::size_t taken = n + 1; taken-- > a.min;)  // greedy, then backtrack
    if (match_from(atoms, k + 1, text, at + taken)) return true;
  return false;
}

bool has_type(const json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  throw std::invalid_argument("schema: unknown type " + type);
}

const std::set<std::string> annotations = {"description", "format", "example", "examples", "default", "title",
                                           "deprecated", "readOnly", "writeOnly"};

}  // namespace

bool pattern_matches(std::string_view pattern, std::string_view text) {
  return match_from(compile(pattern), 0, text, 0);
}

const json& resolve_ref(const json& root, const std::string& ref) {
  if (ref.rfind("#/", 0) != 0) throw std::invalid_argument("schema: only local $refs: " + ref);
  return root.at(json::json_pointer{ref.substr(1)});
}

std::vector<std::string> schema_problems(const json& root, const json& schema, const json& value,
                                         const std::string& where) {
  std::vector<std::string> out;
  auto fail = [&](const std::string& what) { out.push_back(where + ": " + what); };
  auto merge = [&](std::vector<std::string> more) { out.insert(out.end(), more.begin(), more.end()); };
  if (schema.is_boolean()) {
    if (!schema.get<bool>()) fail("no value is allowed here");
    return out;
  }
  for (const auto& [key, rule] : schema.items()) {
    if (annotations.count(key) > 0) continue;
    if (key == "$ref") {
      merge(schema_problems(root, resolve_ref(root, rule.get<std::string>()), value, where));
    } else if (key == "type") {
      bool ok = false;
      for (const auto& t : rule.is_array() ? rule : json::array({rule})) ok = ok || has_type(value, t.get<std::string>());
      if (!ok) fail("is not of type " + rule.dump());
    } else if (key == "const") {
      if (value != rule) fail("is not " + rule.dump());
    } else if (key == "enum") {
      if (std::find(rule.begin(), rule.end(), value) == rule.end()) fail("is not one of " + rule.dump());
    } else if (key == "required") {
      if (value.is_object())
        for (const auto& name : rule)
          if (!value.contains(name.get<std::string>())) fail("lacks required " + name.get<std::string>());
    } else if (key == "properties") {
      if (value.is_object())
        for (const auto& [name, sub] : rule.items())
          if (value.contains(name)) merge(schema_problems(root, sub, value.at(name), where + "." + name));
    } else if (key == "additionalProperties") {
      if (value.is_object())
        for (const auto& [name, sub] : value.items())
          if (!schema.value("properties", json::object()).contains(name))
            merge(schema_problems(root, rule, sub, where + "." + name));
    } else if (key == "items") {
      if (value.is_array())
        for (std::size_t i = 0; i < value.size(); ++i)
          merge(schema_problems(root, rule, value[i], where + "[" + std::to_string(i) + "]"));
    } else if (key == "minItems" || key == "maxItems") {
      if (value.is_array() && (key == "minItems" ? value.size() < rule.get<std::size_t>() : value.size() > rule.get<std::size_t>()))
        fail("has " + std::to_string(value.size()) + " items (" + key + " " + rule.dump() + ")");
    } else if (key == "minLength" || key == "maxLength") {
      if (value.is_string()) {
        auto n = utf8_code_points(value.get<std::string>()).value_or(0);
        if (key == "minLength" ? n < rule.get<std::size_t>() : n > rule.get<std::size_t>())
          fail("has " + std::to_string(n) + " characters (" + key + " " + rule.dump() + ")");
      }
    } else if (key == "pattern") {
      if (value.is_string() && !pattern_matches(rule.get<std::string>(), value.get<std::string>()))
        fail("does not match " + rule.get<std::string>());
    } else if (key == "minimum" || key == "maximum") {
      if (value.is_number() && (key == "minimum" ? value.get<double>() < rule.get<double>() : value.get<double>() > rule.get<double>()))
        fail("is out of range (" + key + " " + rule.dump() + ")");
    } else if (key == "anyOf" || key == "oneOf") {
      std::size_t passing = 0;
      for (const auto& option : rule) passing += schema_problems(root, option, value, where).empty() ? 1 : 0;
      if (key == "anyOf" ? passing == 0 : passing != 1) fail("matches " + std::to_string(passing) + " of " + key);
    } else {
      throw std::invalid_argument("schema: unsupported keyword " + key);
    }
  }
  return out;
}

}  // namespace webhookd::test
