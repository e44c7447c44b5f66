#include "schema/view_tree.h"

#include <array>
#include <cctype>

namespace godwit::view {
namespace {

bool WordLike(const sql::Token& t) {
  return t.kind == sql::TokenKind::kWord || t.kind == sql::TokenKind::kQuotedIdent ||
         t.kind == sql::TokenKind::kString || t.kind == sql::TokenKind::kBitString;
}

sql::Token Blank() {
  sql::Token t;
  t.kind = sql::TokenKind::kSpace;
  t.text = t.value = " ";
  return t;
}

void FlattenInto(const Seq& seq, std::vector<sql::Token>& out) {
  auto last_word_like = [&]() {
    for (auto it = out.rbegin(); it != out.rend(); ++it) return WordLike(*it);
    return false;
  };
  for (const Node& n : seq) {
    const bool needs_space = n.space || (WordLike(n.tok) && !n.group && last_word_like());
    if (needs_space && !out.empty() && out.back().kind != sql::TokenKind::kSpace) out.push_back(Blank());
    out.push_back(n.tok);
    if (!n.group) continue;
    FlattenInto(n.kids, out);
    sql::Token close;
    close.text = close.value = ")";
    out.push_back(close);
  }
}

}  // namespace

Result<Seq> Parse(std::string_view text, Engine dialect) {
  ASSIGN_OR_RETURN(std::vector<sql::Token> tokens, sql::Tokenize(text, dialect));
  std::vector<Seq> stack(1);
  bool space = false;
  for (sql::Token& t : tokens) {
    if (sql::IsBlank(t)) {
      space = true;
      continue;
    }
    if (t.kind == sql::TokenKind::kPunct && t.text == ")") {
      if (stack.size() == 1) return Status(ErrorCode::kInvalidArgument, "the view's text closes a parenthesis it never opened");
      Seq kids = std::move(stack.back());
      stack.pop_back();
      stack.back().back().kids = std::move(kids);
      space = false;
      continue;
    }
    Node n;
    n.tok = std::move(t);
    n.space = space;
    space = false;
    n.group = n.tok.kind == sql::TokenKind::kPunct && n.tok.text == "(";
    stack.back().push_back(std::move(n));
    if (stack.back().back().group) stack.emplace_back();
  }
  if (stack.size() != 1) return Status(ErrorCode::kInvalidArgument, "the view's text leaves a parenthesis open");
  return std::move(stack[0]);
}

std::vector<sql::Token> Flatten(const Seq& seq) {
  std::vector<sql::Token> out;
  FlattenInto(seq, out);
  return out;
}

std::string Text(const Seq& seq) {
  std::string out;
  for (const sql::Token& t : Flatten(seq)) out += t.text;
  return out;
}

Node Word(std::string_view text, bool space) {
  Node n;
  n.tok.kind = sql::TokenKind::kWord;
  n.tok.text = n.tok.value = std::string(text);
  n.space = space;
  return n;
}

Node Punct(char c, bool space) {
  Node n;
  n.tok.kind = sql::TokenKind::kPunct;
  n.tok.text = n.tok.value = std::string(1, c);
  n.space = space;
  return n;
}

Node String(std::string_view value, bool space) {
  Node n;
  n.tok.kind = sql::TokenKind::kString;
  n.tok.value = std::string(value);
  n.tok.text = "'" + n.tok.value + "'";  // for messages only: Render writes the literal from its value
  n.space = space;
  return n;
}

Node Group(Seq kids, bool space) {
  Node n = Punct('(', space);
  n.group = true;
  n.kids = std::move(kids);
  return n;
}

bool IsPunct(const Node& n, char c) {
  return !n.group && n.tok.kind == sql::TokenKind::kPunct && n.tok.text.size() == 1 && n.tok.text[0] == c;
}

bool IsKeyword(const Node& n, std::string_view word) { return !n.group && sql::IsWord(n.tok, word); }

bool IsName(const Node& n) {
  return !n.group && (n.tok.kind == sql::TokenKind::kWord || n.tok.kind == sql::TokenKind::kQuotedIdent);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string NameOf(const Node& n) { return n.tok.kind == sql::TokenKind::kWord ? Lower(n.tok.text) : n.tok.value; }

bool IsReserved(const Node& n) {
  static constexpr std::array kReserved = {
      "all",     "and",     "any",    "array",  "as",       "asc",       "between", "by",    "case",   "cross",
      "desc",    "distinct", "else",  "end",    "escape",   "except",    "exists",  "filter", "for",   "from",
      "full",    "group",   "having", "in",     "inner",    "intersect", "interval", "is",   "join",   "lateral",
      "like",    "limit",  "natural", "not",     "null",      "offset",  "on",    "or",     "order",
      "outer",   "over",    "partition", "row",    "select",    "separator", "some", "straight_join",
      "then",    "union",   "using",  "values", "when",     "where",     "window",  "with",  "within", "rlike",
      "regexp",  "xor",     "div"};
  if (n.group || n.tok.kind != sql::TokenKind::kWord) return false;
  const std::string w = Lower(n.tok.text);
  for (const char* r : kReserved) {
    if (w == r) return true;
  }
  return false;
}

std::vector<Seq> SplitCommas(const Seq& seq) {
  std::vector<Seq> out(1);
  for (const Node& n : seq) {
    if (IsPunct(n, ',')) {
      out.emplace_back();
      continue;
    }
    out.back().push_back(n);
  }
  if (out.size() == 1 && out[0].empty()) out.clear();
  return out;
}

Seq JoinCommas(std::vector<Seq> parts) {
  Seq out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.push_back(Punct(','));
    if (!parts[i].empty()) parts[i][0].space = i != 0;
    for (Node& n : parts[i]) out.push_back(std::move(n));
  }
  return out;
}

int FindKeyword(const Seq& seq, std::string_view word, size_t from) {
  for (size_t i = from; i < seq.size(); ++i) {
    if (IsKeyword(seq[i], word)) return static_cast<int>(i);
  }
  return -1;
}

bool IsCall(const Seq& seq, size_t i) {
  if (i + 1 >= seq.size() || !seq[i + 1].group || !IsName(seq[i]) || IsReserved(seq[i])) return false;
  // A type after AS (CAST(x AS DECIMAL(10,2))) is not a call.
  return i == 0 || !IsKeyword(seq[i - 1], "as");
}

}  // namespace godwit::view
