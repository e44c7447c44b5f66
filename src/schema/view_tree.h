// Internal to the view translator (view_translation.cc, view_group_by.cc):
// a view body as a tree of tokens in which every parenthesised part is one
// node holding its contents, so that a function's argument list, a
// subquery or a join's parentheses are read as units and rewritten without
// ever joining or splitting the lexer's tokens. String literals stay
// kString tokens from the lexer to sql::Render, which writes them from
// their decoded values: whatever they hold, they come out as literals.
//
// Thread-safety: pure functions and values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/table_schema.h"
#include "schema/sql_lexer.h"

namespace godwit::view {

struct Node {
  sql::Token tok;              // a token; for a group, "(" (its ")" is implied)
  bool group = false;          // ( kids )
  bool space = false;          // written after a blank
  std::vector<Node> kids;      // a group's contents
};
using Seq = std::vector<Node>;

// The tokens of `text` (read with `dialect`'s rules) as a tree; blanks and
// comments become the `space` mark of the next node. Fails on unbalanced
// parentheses or text the lexer refuses.
Result<Seq> Parse(std::string_view text, Engine dialect);
// The tokens of `seq` with blanks where they were and where two words
// would otherwise join, ready for sql::Render.
std::vector<sql::Token> Flatten(const Seq& seq);
// `seq` as text, for messages (source dialect quoting as written).
std::string Text(const Seq& seq);

Node Word(std::string_view text, bool space = true);
Node Punct(char c, bool space = false);
Node String(std::string_view value, bool space = true);
Node Group(Seq kids, bool space = false);

bool IsPunct(const Node& n, char c);
bool IsKeyword(const Node& n, std::string_view word);  // a bare word, ASCII case ignored
bool IsName(const Node& n);                            // a bare word or a quoted identifier
std::string Lower(std::string_view s);
// The name a word or quoted identifier stands for, lower-cased when bare.
std::string NameOf(const Node& n);
// Whether a bare word is a reserved word of SQL's clauses and operators
// (SELECT, FROM, ON, IN, AS, AND...): never a function or column name.
bool IsReserved(const Node& n);

// `seq` split at its top-level commas (a function's arguments).
std::vector<Seq> SplitCommas(const Seq& seq);
// The parts joined by commas.
Seq JoinCommas(std::vector<Seq> parts);
// Whether `seq` holds the keyword `word` at its top level; its index or -1.
int FindKeyword(const Seq& seq, std::string_view word, size_t from = 0);

// Whether node `i` of `seq` starts a function call: a name (not a reserved
// word) followed by a group.
bool IsCall(const Seq& seq, size_t i);

// Adds to each GROUP BY of `query` (and of its subqueries) the columns its
// SELECT list, HAVING and ORDER BY read outside aggregates that are
// functionally dependent on the grouping key through the keys of `tables`
// and the join equalities, so that a destination with strict grouping
// (PostgreSQL) takes it; the groups do not change. Fails naming a column
// that is not dependent (view_group_by.cc).
Status MakeGroupByStrict(Seq& query, const std::vector<TableSchema>* tables);

}  // namespace godwit::view
