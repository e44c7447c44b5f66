#include "schema/sql_lexer.h"

#include <cctype>
#include <cstdint>
#include <optional>

namespace godwit::sql {
namespace {

std::string Name(Engine e) { return std::string(EngineName(e)); }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsHigh(char c) { return static_cast<unsigned char>(c) >= 0x80; }
bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool IsWordChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_' || c == '$' || IsHigh(c); }
// Where a word may start. MySQL identifiers may begin with $; in
// PostgreSQL a $ starts a dollar quote or parameter, in SQLite a parameter.
bool IsWordStart(char c, Engine d) {
  return IsAlpha(c) || IsDigit(c) || c == '_' || IsHigh(c) || (c == '$' && d == Engine::kMysql);
}
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  Lexer(std::string_view s, Engine d, const LexOptions& o) : s_(s), d_(d), o_(o) {}

  Result<std::vector<Token>> Run() {
    while (i_ < s_.size()) RETURN_IF_ERROR(Next());
    if (exec_comment_) return Error(s_.size(), "an executable comment /*! is not closed");
    return std::move(out_);
  }

 private:
  Status Error(size_t at, const std::string& what) const {
    std::string near(s_.substr(at, 40));
    return Status(ErrorCode::kInvalidArgument, Name(d_) + " SQL text cannot be read: " + what + " (at byte " +
                                                   std::to_string(at) + ", near \"" + near + "\")");
  }

  void Emit(TokenKind kind, size_t begin, std::string value = {}, std::string prefix = {}) {
    Token t;
    t.kind = kind;
    t.text = std::string(s_.substr(begin, i_ - begin));
    t.value = (kind == TokenKind::kString || kind == TokenKind::kQuotedIdent) ? std::move(value) : t.text;
    t.prefix = std::move(prefix);
    out_.push_back(std::move(t));
  }

  char At(size_t k) const { return k < s_.size() ? s_[k] : '\0'; }

  Status Next() {
    const size_t begin = i_;
    const char c = s_[i_];
    if (IsSpace(c)) {
      while (i_ < s_.size() && IsSpace(s_[i_])) ++i_;
      Emit(TokenKind::kSpace, begin);
      return Status();
    }
    if (IsLineComment()) {
      while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      Emit(TokenKind::kComment, begin);
      return Status();
    }
    if (c == '/' && At(i_ + 1) == '*') return BlockComment();
    if (c == '*' && At(i_ + 1) == '/' && exec_comment_) {
      i_ += 2;
      exec_comment_ = false;
      Emit(TokenKind::kComment, begin);
      return Status();
    }
    if (c == '\'') return QuotedString(begin, {}, d_ == Engine::kMysql ? Escapes::kBackslash : Escapes::kNone);
    if (c == '"') {
      if (d_ == Engine::kMysql) return QuotedString(begin, {}, Escapes::kBackslash);  // a string without ANSI_QUOTES
      return QuotedIdent(begin, '"', '"');
    }
    if (c == '`' && d_ != Engine::kPostgres) return QuotedIdent(begin, '`', '`');
    if (c == '[' && d_ == Engine::kSqlite) return QuotedIdent(begin, '[', ']');
    if (c == '$' && d_ == Engine::kPostgres) {
      if (auto dq = DollarQuote(begin); dq.has_value()) return *dq;
    }
    if (IsWordStart(c, d_)) return Word(begin);
    ++i_;
    Emit(TokenKind::kPunct, begin);
    return Status();
  }

  bool IsLineComment() const {
    const char c = s_[i_];
    if (c == '#' && d_ == Engine::kMysql) return true;
    if (c != '-' || At(i_ + 1) != '-') return false;
    if (d_ != Engine::kMysql) return true;
    // MySQL: "--" starts a comment only when followed by a space or a
    // control character (1--1 is 1 - -1).
    return i_ + 2 >= s_.size() || static_cast<unsigned char>(s_[i_ + 2]) <= 0x20;
  }

  Status BlockComment() {
    const size_t begin = i_;
    if (d_ == Engine::kMysql && !exec_comment_ && (At(i_ + 2) == '!' || (At(i_ + 2) == 'M' && At(i_ + 3) == '!'))) {
      // /*!NNNNN code */ and MariaDB's /*M!NNNNN code */ run as code: the
      // markers are comments, what is between them is read as SQL.
      i_ += At(i_ + 2) == '!' ? 3 : 4;
      while (i_ < s_.size() && IsDigit(s_[i_]) && i_ - begin < 10) ++i_;
      exec_comment_ = true;
      Emit(TokenKind::kComment, begin);
      return Status();
    }
    i_ += 2;
    int depth = 1;
    while (i_ < s_.size()) {
      if (s_[i_] == '*' && At(i_ + 1) == '/') {
        i_ += 2;
        if (--depth == 0) break;
        continue;
      }
      if (d_ == Engine::kPostgres && s_[i_] == '/' && At(i_ + 1) == '*') {  // PostgreSQL's comments nest
        i_ += 2;
        ++depth;
        continue;
      }
      ++i_;
    }
    if (depth != 0 && d_ != Engine::kSqlite) return Error(begin, "a comment /* is not closed");
    Emit(TokenKind::kComment, begin);
    return Status();
  }

  enum class Escapes { kNone, kBackslash, kPgEscape };

  // A literal opened by the quote at i_ (after `prefix`, already passed).
  Status QuotedString(size_t begin, std::string prefix, Escapes escapes) {
    const char q = s_[i_++];
    std::string value;
    if (escapes == Escapes::kBackslash && !o_.mysql_backslash_escapes) escapes = Escapes::kNone;
    while (true) {
      if (i_ >= s_.size()) return Error(begin, "a string literal is not closed");
      char c = s_[i_];
      if (c == q) {
        if (At(i_ + 1) == q) {
          value += q;
          i_ += 2;
          continue;
        }
        ++i_;
        break;
      }
      if (c == '\\' && escapes == Escapes::kBackslash) {
        if (i_ + 1 >= s_.size()) return Error(begin, "a string literal is not closed");
        char n = s_[i_ + 1];
        i_ += 2;
        switch (n) {
          case '0': value += '\0'; break;
          case 'b': value += '\b'; break;
          case 'n': value += '\n'; break;
          case 'r': value += '\r'; break;
          case 't': value += '\t'; break;
          case 'Z': value += '\x1a'; break;
          case '%': value += "\\%"; break;  // kept for LIKE patterns
          case '_': value += "\\_"; break;
          default: value += n;
        }
        continue;
      }
      if (c == '\\' && escapes == Escapes::kPgEscape) {
        RETURN_IF_ERROR(PgEscape(begin, value));
        continue;
      }
      value += c;
      ++i_;
    }
    Emit(TokenKind::kString, begin, std::move(value), std::move(prefix));
    return Status();
  }

  // PostgreSQL E'' escapes: \b \f \n \r \t, octal, \xHH, \uXXXX,
  // \UXXXXXXXX, any other character as itself.
  Status PgEscape(size_t begin, std::string& value) {
    if (i_ + 1 >= s_.size()) return Error(begin, "a string literal is not closed");
    char n = s_[i_ + 1];
    i_ += 2;
    switch (n) {
      case 'b': value += '\b'; return Status();
      case 'f': value += '\f'; return Status();
      case 'n': value += '\n'; return Status();
      case 'r': value += '\r'; return Status();
      case 't': value += '\t'; return Status();
      default: break;
    }
    if (n >= '0' && n <= '7') {
      unsigned v = static_cast<unsigned>(n - '0');
      for (int k = 0; k < 2 && At(i_) >= '0' && At(i_) <= '7'; ++k) v = v * 8 + static_cast<unsigned>(s_[i_++] - '0');
      value += static_cast<char>(v & 0xFF);
      return Status();
    }
    if (n == 'x' && IsHex(At(i_))) {
      unsigned v = 0;
      for (int k = 0; k < 2 && IsHex(At(i_)); ++k) v = v * 16 + HexValue(s_[i_++]);
      value += static_cast<char>(v);
      return Status();
    }
    if (n == 'u' || n == 'U') {
      int digits = n == 'u' ? 4 : 8;
      uint32_t cp = 0;
      for (int k = 0; k < digits; ++k) {
        if (!IsHex(At(i_))) return Error(begin, "an invalid Unicode escape");
        cp = cp * 16 + HexValue(s_[i_++]);
      }
      return AppendCodePoint(begin, cp, value);
    }
    value += n;
    return Status();
  }

  static unsigned HexValue(char c) {
    return IsDigit(c) ? static_cast<unsigned>(c - '0') : static_cast<unsigned>(std::tolower(c) - 'a' + 10);
  }

  Status AppendCodePoint(size_t begin, uint32_t cp, std::string& value) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return Error(begin, "a Unicode escape outside the characters PostgreSQL accepts");
    }
    AppendUtf8(cp, value);
    return Status();
  }

  // U&'...' / U&"..." [UESCAPE 'c']: the body with quotes undoubled, then
  // its escapes decoded with the escape character.
  Status UnicodeQuoted(size_t begin, TokenKind kind) {
    i_ += 2;  // U&
    const char q = s_[i_++];
    std::string raw;
    while (true) {
      if (i_ >= s_.size()) return Error(begin, "a U& literal is not closed");
      if (s_[i_] == q) {
        if (At(i_ + 1) == q) {
          raw += q;
          i_ += 2;
          continue;
        }
        ++i_;
        break;
      }
      raw += s_[i_++];
    }
    char esc = '\\';
    size_t k = i_;
    while (k < s_.size() && IsSpace(s_[k])) ++k;
    if (EqualsIgnoreCase(s_.substr(k, 7), "UESCAPE") && !IsWordChar(At(k + 7))) {
      k += 7;
      while (k < s_.size() && IsSpace(s_[k])) ++k;
      if (At(k) != '\'' || At(k + 2) != '\'' || At(k + 1) == '\'' || IsHex(At(k + 1)) || At(k + 1) == '+' ||
          IsSpace(At(k + 1)) || At(k + 1) == '"') {
        return Error(begin, "an invalid UESCAPE");
      }
      esc = s_[k + 1];
      i_ = k + 3;
    }
    std::string value;
    for (size_t j = 0; j < raw.size();) {
      if (raw[j] != esc) {
        value += raw[j++];
        continue;
      }
      if (j + 1 < raw.size() && raw[j + 1] == esc) {
        value += esc;
        j += 2;
        continue;
      }
      size_t digits = (j + 1 < raw.size() && raw[j + 1] == '+') ? 6 : 4;
      size_t start = j + 1 + (digits == 6 ? 1 : 0);
      if (start + digits > raw.size()) return Error(begin, "an invalid Unicode escape");
      uint32_t cp = 0;
      for (size_t d = 0; d < digits; ++d) {
        if (!IsHex(raw[start + d])) return Error(begin, "an invalid Unicode escape");
        cp = cp * 16 + HexValue(raw[start + d]);
      }
      RETURN_IF_ERROR(AppendCodePoint(begin, cp, value));
      j = start + digits;
    }
    Emit(kind, begin, std::move(value), kind == TokenKind::kString ? std::string(s_.substr(begin, 2)) : "");
    return Status();
  }

  Status QuotedIdent(size_t begin, char open, char close) {
    ++i_;
    std::string name;
    while (true) {
      if (i_ >= s_.size()) return Error(begin, std::string("a quoted identifier ") + open + " is not closed");
      char c = s_[i_];
      if (c == close) {
        if (open == close && At(i_ + 1) == close) {
          name += close;
          i_ += 2;
          continue;
        }
        ++i_;
        break;
      }
      name += c;
      ++i_;
    }
    Emit(TokenKind::kQuotedIdent, begin, std::move(name));
    return Status();
  }

  // $tag$...$tag$; nullopt when the $ does not open one (a parameter $1).
  std::optional<Status> DollarQuote(size_t begin) {
    size_t k = i_ + 1;
    if (k < s_.size() && s_[k] != '$') {
      if (!(IsAlpha(s_[k]) || s_[k] == '_' || IsHigh(s_[k]))) return std::nullopt;
      while (k < s_.size() && (IsAlpha(s_[k]) || IsDigit(s_[k]) || s_[k] == '_' || IsHigh(s_[k]))) ++k;
      if (k >= s_.size() || s_[k] != '$') return std::nullopt;
    }
    if (k >= s_.size()) return std::nullopt;
    const std::string_view tag = s_.substr(i_, k + 1 - i_);
    size_t end = s_.find(tag, k + 1);
    if (end == std::string_view::npos)
      return Error(begin, "a dollar-quoted string " + std::string(tag) + " is not closed");
    std::string value(s_.substr(k + 1, end - k - 1));
    i_ = end + tag.size();
    Emit(TokenKind::kString, begin, std::move(value), std::string(tag));
    return Status();
  }

  Status BitString(size_t begin, bool hex) {
    i_ += 2;  // X' or B'
    while (i_ < s_.size() && s_[i_] != '\'') {
      if (hex ? !IsHex(s_[i_]) : (s_[i_] != '0' && s_[i_] != '1')) {
        return Error(begin, std::string("a ") + (hex ? "hexadecimal" : "bit") + " literal holds other characters");
      }
      ++i_;
    }
    if (i_ >= s_.size()) return Error(begin, "a string literal is not closed");
    ++i_;
    Emit(TokenKind::kBitString, begin);
    return Status();
  }

  Status Word(size_t begin) {
    size_t k = i_;
    // PostgreSQL reads 1$$ as the number 1 and a dollar quote.
    const bool number = IsDigit(s_[i_]) && d_ == Engine::kPostgres;
    while (k < s_.size() && IsWordChar(s_[k]) && !(number && s_[k] == '$')) ++k;
    const std::string_view w = s_.substr(i_, k - i_);
    const char next = At(k);
    if (w.size() == 1 && next == '\'') {
      const char p = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
      if (p == 'X') return BitString(begin, true);
      if (p == 'B' && d_ != Engine::kSqlite) return BitString(begin, false);
      if (p == 'N' && d_ != Engine::kSqlite) {
        i_ = k;
        return QuotedString(begin, std::string(w), d_ == Engine::kMysql ? Escapes::kBackslash : Escapes::kNone);
      }
      if (p == 'E' && d_ == Engine::kPostgres) {
        i_ = k;
        return QuotedString(begin, std::string(w), Escapes::kPgEscape);
      }
    }
    if (d_ == Engine::kPostgres && w.size() == 1 && (w[0] == 'u' || w[0] == 'U') && next == '&' &&
        (At(k + 1) == '\'' || At(k + 1) == '"')) {
      return UnicodeQuoted(begin, At(k + 1) == '\'' ? TokenKind::kString : TokenKind::kQuotedIdent);
    }
    if (d_ == Engine::kMysql && w.size() > 1 && w[0] == '_' && (next == '\'' || next == '"')) {
      i_ = k;  // a charset introducer: _utf8mb4'text'
      return QuotedString(begin, std::string(w), Escapes::kBackslash);
    }
    i_ = k;
    Emit(TokenKind::kWord, begin);
    return Status();
  }

  std::string_view s_;
  Engine d_;
  LexOptions o_;
  size_t i_ = 0;
  bool exec_comment_ = false;  // inside a MySQL /*! ... */
  std::vector<Token> out_;
};

// What must read back the same: kind, and the text or decoded value.
struct Shape {
  TokenKind kind;
  std::string value;
  std::string prefix;
  bool operator==(const Shape&) const = default;
};

std::string KeptPrefix(const Token& t, Engine from, Engine to) {
  if (t.kind != TokenKind::kString || from != Engine::kMysql || to != Engine::kMysql) return {};
  return t.prefix;  // _charset or N: both MySQL-only and meaningful there
}

std::vector<Shape> Shapes(const std::vector<Token>& tokens, Engine from, Engine to) {
  std::vector<Shape> out;
  for (const Token& t : tokens) {
    if (IsBlank(t)) continue;
    out.push_back({t.kind, t.value, KeptPrefix(t, from, to)});
  }
  return out;
}

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view text, Engine dialect, const LexOptions& options) {
  return Lexer(text, dialect, options).Run();
}

Result<std::string> QuoteString(std::string_view value, Engine dialect) {
  std::string out;
  out.reserve(value.size() + 3);
  if (dialect == Engine::kMysql) {
    out += '\'';
    for (char c : value) {
      if (c == '\0') {
        out += "\\0";
        continue;
      }
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return out + "'";
  }
  if (value.find('\0') != std::string_view::npos) {
    return Status(ErrorCode::kUnsupported,
                  "a string literal holds a NUL byte, which " + Name(dialect) + " text cannot hold");
  }
  const bool e_string = dialect == Engine::kPostgres && value.find('\\') != std::string_view::npos;
  if (e_string) out += 'E';
  out += '\'';
  for (char c : value) {
    if (c == '\'' || (e_string && c == '\\')) out += c;
    out += c;
  }
  return out + "'";
}

Result<std::string> QuoteIdentifier(std::string_view name, Engine dialect) {
  if (name.find('\0') != std::string_view::npos) {
    return Status(ErrorCode::kUnsupported, "an identifier holds a NUL byte");
  }
  const char q = dialect == Engine::kMysql ? '`' : '"';
  std::string out(1, q);
  for (char c : name) {
    if (c == q) out += q;
    out += c;
  }
  return out + q;
}

Result<std::string> Render(const std::vector<Token>& tokens, Engine from, Engine to) {
  std::string out;
  auto last = [&]() { return out.empty() ? ' ' : out.back(); };
  // A literal written right after a word, a PostgreSQL & or another
  // quoted token would join it (e'x', u&'x', 'a''b' read as one literal
  // there): keep them apart.
  auto separate = [&]() {
    const char c = last();
    if (IsWordChar(c) || (to == Engine::kPostgres && c == '&') || c == '\'' || c == '"' || c == '`' || c == ']') {
      out += ' ';
    }
  };
  // MySQL to MySQL, literals and comments stay as written: the server
  // reads them by the same rules the lexer did (the caller sets no
  // sql_mode that changes them), and a routine's body keeps its text.
  const bool as_written = from == Engine::kMysql && to == Engine::kMysql;
  for (const Token& t : tokens) {
    if (as_written && (t.kind == TokenKind::kString || t.kind == TokenKind::kComment)) {
      if (t.kind == TokenKind::kString) separate();
      out += t.text;
      continue;
    }
    switch (t.kind) {
      case TokenKind::kSpace: out += t.text; break;
      case TokenKind::kComment: out += ' '; break;
      case TokenKind::kWord: out += t.text; break;
      case TokenKind::kPunct:
        // "- -" and "/ *" must not become comment openers once joined.
        if ((t.text == "-" && last() == '-') || (t.text == "*" && last() == '/')) out += ' ';
        out += t.text;
        break;
      case TokenKind::kBitString:
        separate();
        out += t.text;
        break;
      case TokenKind::kQuotedIdent: {
        ASSIGN_OR_RETURN(std::string q, QuoteIdentifier(t.value, to));
        separate();
        out += q;
        break;
      }
      case TokenKind::kString: {
        ASSIGN_OR_RETURN(std::string q, QuoteString(t.value, to));
        separate();
        out += KeptPrefix(t, from, to) + q;
        break;
      }
    }
  }
  // The destination must read what was meant: the same tokens, literals
  // with the same values. Anything else is refused, not sent.
  auto back = Tokenize(out, to);
  if (!back.ok() || Shapes(*back, to, to) != Shapes(tokens, from, to)) {
    return Status(ErrorCode::kUnsupported,
                  "the SQL text cannot be written for " + Name(to) +
                      " so that it reads the same there (it holds something " + Name(to) +
                      " parses differently, such as a comment marker or a $ outside a literal)",
                  "Create the object on the destination by hand, or exclude it.");
  }
  return out;
}

Result<std::string> Translate(std::string_view text, Engine from, Engine to) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text, from));
  return Render(tokens, from, to);
}

bool IsWord(const Token& t, std::string_view word) {
  return t.kind == TokenKind::kWord && EqualsIgnoreCase(t.text, word);
}

}  // namespace godwit::sql
