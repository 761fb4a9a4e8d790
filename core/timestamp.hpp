// UTC timestamps. Stored `ts` values are always the canonical 20-character
// form, so ordering and range filters can be plain string comparisons.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace webhookd {

// True only for exactly "YYYY-MM-DDTHH:MM:SSZ" naming a real instant: month
// 01..12, a day that exists in that month (Gregorian leap years), hour 00..23,
// minute and second 00..59 (no leap second). Year 0000 is rejected, matching
// the Python datetime range of the service we replace.
bool is_canonical_utc_timestamp(std::string_view s);

// Lenient parser for the `since` query parameter. Accepts
//   YYYY-MM-DD                       (midnight UTC)
//   YYYY-MM-DD<sep>HH:MM:SS[.f{1,9}][<zone>]
// where <sep> is 'T', 't' or one space, and <zone> is 'Z', 'z', ±HH:MM or
// ±HHMM; a space in place of the sign means '+', because a raw '+' in a URL
// query arrives decoded as a space. No zone means UTC.
// Returns the canonical UTC string S with: for every canonical ts,
// ts >= S (string compare) exactly when instant(ts) >= the given instant.
// So a non-zero fraction rounds up to the next whole second. nullopt for any
// malformed input, or when the converted result leaves years 0000..9999.
std::optional<std::string> since_lower_bound(std::string_view s);

// The canonical UTC form of a Unix time in seconds (as WhatsApp sends it), or
// nullopt outside 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
std::optional<std::string> canonical_utc_from_unix(std::int64_t seconds);

}  // namespace webhookd
