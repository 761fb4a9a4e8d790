// A JSON Schema checker for the subset of draft 2020-12 that http/openapi.json
// uses, written for the conformance tests: $ref (local), type (one or a list),
// const, enum, properties, required, additionalProperties, items, minItems,
// maxItems, minLength, maxLength (code points), pattern, minimum, maximum,
// anyOf, oneOf. Annotations (description, format, example, default) are
// ignored. A keyword it does not know throws, so the document cannot
// silently outgrow the checker.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace webhookd::test {

// The problems of `value` against `schema` ("" when none), each naming where
// in the value it is. $refs resolve against `root`.
std::vector<std::string> schema_problems(const nlohmann::json& root, const nlohmann::json& schema,
                                         const nlohmann::json& value, const std::string& where = "$");

// The schema `ref` ("#/components/...") points at in `root`; throws when absent.
const nlohmann::json& resolve_ref(const nlohmann::json& root, const std::string& ref);

// Anchored regular expressions of the form ^atoms$, where an atom is a literal
// character (\ escapes the next one) or a [class] of characters and ranges,
// optionally followed by ?, *, + or {n} / {n,m}. Throws on anything else.
bool pattern_matches(std::string_view pattern, std::string_view text);

}  // namespace webhookd::test
