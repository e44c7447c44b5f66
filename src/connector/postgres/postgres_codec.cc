#include "connector/postgres/postgres_codec.h"

#include <array>
#include <cstring>

namespace godwit::pg {
namespace {

// The bytes COPY text format requires to be escaped on input. (\b, \f and
// \v need not be: COPY FROM takes them literally.)
constexpr std::array<char, 256> MakeEscapeTable() {
  std::array<char, 256> t{};
  t['\\'] = '\\';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\r'] = 'r';
  return t;
}
constexpr std::array<char, 256> kEscapeAs = MakeEscapeTable();

Status BadRow(std::string_view what) {
  return Status(ErrorCode::kReadFailed, "malformed COPY data from PostgreSQL: " + std::string(what),
                "This is unexpected; report it with the query that produced it.");
}

// Undoes COPY text escapes in place; returns the new length, or npos when
// the field ends in a lone backslash. COPY TO only emits \\, \b, \f, \n,
// \r, \t and \v, but the octal and \x forms of the format are accepted too.
size_t UnescapeInPlace(char* p, size_t n) {
  char* w = p;
  const char* r = p;
  const char* e = p + n;
  while (r < e) {
    const char* bs = static_cast<const char*>(std::memchr(r, '\\', static_cast<size_t>(e - r)));
    if (bs == nullptr) bs = e;
    if (w != r) std::memmove(w, r, static_cast<size_t>(bs - r));
    w += bs - r;
    r = bs;
    if (r == e) break;
    ++r;  // the backslash
    if (r == e) return std::string::npos;
    char c = *r++;
    switch (c) {
      case 'b': *w++ = '\b'; break;
      case 'f': *w++ = '\f'; break;
      case 'n': *w++ = '\n'; break;
      case 'r': *w++ = '\r'; break;
      case 't': *w++ = '\t'; break;
      case 'v': *w++ = '\v'; break;
      case 'x': {
        int v = 0, digits = 0;
        while (digits < 2 && r < e && HexDigitValue(*r) >= 0) {
          v = v * 16 + HexDigitValue(*r++);
          ++digits;
        }
        *w++ = digits == 0 ? 'x' : static_cast<char>(v);
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          int v = c - '0', digits = 1;
          while (digits < 3 && r < e && *r >= '0' && *r <= '7') {
            v = v * 8 + (*r++ - '0');
            ++digits;
          }
          *w++ = static_cast<char>(v & 0xff);
        } else {
          *w++ = c;  // "\\" and any other escaped character stand for themselves
        }
    }
  }
  return static_cast<size_t>(w - p);
}

void AppendEscaped(std::string_view v, std::string& out) {
  const char* run = v.data();
  const char* e = v.data() + v.size();
  for (const char* p = run; p < e; ++p) {
    char esc = kEscapeAs[static_cast<unsigned char>(*p)];
    if (esc != 0) {
      out.append(run, static_cast<size_t>(p - run));
      out.push_back('\\');
      out.push_back(esc);
      run = p + 1;
    }
  }
  out.append(run, static_cast<size_t>(e - run));
}

bool NeedsEscape(std::string_view v) {
  for (char c : v) {
    if (kEscapeAs[static_cast<unsigned char>(c)] != 0) return true;
  }
  return false;
}

}  // namespace

std::vector<CopyOutConv> PlanCopyOut(std::span<const ColumnType> types) {
  std::vector<CopyOutConv> plan;
  plan.reserve(types.size());
  for (const auto& t : types) {
    if (t.kind == TypeKind::kBool) {
      plan.push_back(CopyOutConv::kBool);
    } else if (t.IsBinary()) {
      plan.push_back(CopyOutConv::kBytea);
    } else if (t.kind == TypeKind::kTimestampTz) {
      plan.push_back(CopyOutConv::kTimestampTz);
    } else {
      plan.push_back(CopyOutConv::kText);
    }
  }
  return plan;
}

std::vector<CopyInConv> PlanCopyIn(std::span<const Column> columns) {
  std::vector<CopyInConv> plan;
  plan.reserve(columns.size());
  for (const auto& c : columns) {
    if (c.type.IsBinary()) {
      plan.push_back(CopyInConv::kBytea);
    } else if (c.type.kind == TypeKind::kTimestampTz) {
      plan.push_back(CopyInConv::kTimestampTz);
    } else if (c.type.kind == TypeKind::kTime) {
      plan.push_back(CopyInConv::kTime);
    } else {
      plan.push_back(CopyInConv::kText);
    }
  }
  return plan;
}

Status DecodeCopyRow(std::string_view line, std::span<const CopyOutConv> plan, RowBatch& batch) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  const size_t ncols = plan.size();
  if (ncols == 0) {
    if (!line.empty()) return BadRow("a row has fields but the query was given no column types");
    return Status::Ok();
  }
  // One copy of the row into the arena, then every field is decoded in
  // place: decoding only ever shortens a field, so values can point into
  // the copy and no byte is allocated per value.
  char* buf = batch.Reserve(line.size());
  if (!line.empty()) std::memcpy(buf, line.data(), line.size());
  char* p = buf;
  char* const end = buf + line.size();
  size_t col = 0;
  while (true) {
    if (col == ncols) {
      return BadRow("a row has more fields than the " + std::to_string(ncols) + " column types given");
    }
    char* fend = static_cast<char*>(std::memchr(p, '\t', static_cast<size_t>(end - p)));
    if (fend == nullptr) fend = end;
    size_t n = static_cast<size_t>(fend - p);
    if (n == 2 && p[0] == '\\' && p[1] == 'N') {
      batch.AddNull();
    } else {
      if (std::memchr(p, '\\', n) != nullptr) {
        n = UnescapeInPlace(p, n);
        if (n == std::string::npos) return BadRow("a field ends in a lone backslash");
      }
      switch (plan[col]) {
        case CopyOutConv::kText: break;
        case CopyOutConv::kBool:
          if (n == 1 && p[0] == 't')
            p[0] = '1';
          else if (n == 1 && p[0] == 'f')
            p[0] = '0';
          break;
        case CopyOutConv::kBytea:
          if (n >= 2 && p[0] == '\\' && p[1] == 'x') {
            if (n % 2 != 0) return BadRow("a bytea value has an odd number of hex digits");
            char* w = p;
            for (size_t i = 2; i < n; i += 2) {
              int hi = HexDigitValue(p[i]);
              int lo = HexDigitValue(p[i + 1]);
              if (hi < 0 || lo < 0) return BadRow("a bytea value has a non-hex digit");
              *w++ = static_cast<char>(hi * 16 + lo);
            }
            n = static_cast<size_t>(w - p);
          }
          break;
        case CopyOutConv::kTimestampTz: n = StripUtcOffsetInPlace(p, n); break;
      }
      batch.AddStored({p, n});
    }
    ++col;
    if (fend == end) break;
    p = fend + 1;
  }
  if (col != ncols) {
    return BadRow("a row has " + std::to_string(col) + " fields, expected " + std::to_string(ncols));
  }
  return Status::Ok();
}

bool FitsPostgresTime(std::string_view v) {
  if (v.empty() || v[0] == '-') return false;
  size_t colon = v.find(':');
  if (colon == std::string_view::npos || colon == 0) return true;  // not MySQL's shape: the server judges
  uint64_t hours = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return true;
    hours = hours * 10 + static_cast<uint64_t>(v[i] - '0');
    if (hours > 1000) break;
  }
  if (hours < 24) return true;
  if (hours > 24) return false;
  // 24:00:00 itself, with any fraction of zeros, is PostgreSQL's end of day.
  for (char ch : v.substr(colon)) {
    if (ch != ':' && ch != '0' && ch != '.') return false;
  }
  return true;
}

int FirstUnstorableValue(std::span<const Value> row, std::span<const CopyInConv> plan) {
  for (size_t i = 0; i < row.size() && i < plan.size(); ++i) {
    if (plan[i] == CopyInConv::kTime && !row[i].is_null() && !FitsPostgresTime(row[i].bytes())) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

void EncodeCopyRow(std::span<const Value> row, std::span<const CopyInConv> plan, std::string& out) {
  for (size_t i = 0; i < row.size(); ++i) {
    if (i != 0) out.push_back('\t');
    const Value& v = row[i];
    if (v.is_null()) {
      out.append("\\N");
      continue;
    }
    std::string_view b = v.bytes();
    switch (plan[i]) {
      case CopyInConv::kText:
      case CopyInConv::kTime: AppendEscaped(b, out); break;
      case CopyInConv::kBytea:
        out.append("\\\\x");  // the bytea hex form "\x..", its backslash escaped for COPY
        AppendHexLower(b, out);
        break;
      case CopyInConv::kTimestampTz:
        if (NeedsEscape(b)) {
          // Not a timestamp at all; let the server reject it with a clear
          // message rather than break the row framing.
          AppendEscaped(b, out);
        } else {
          AppendTimestampTzInput(b, out);
        }
        break;
    }
  }
  out.push_back('\n');
}

}  // namespace godwit::pg
