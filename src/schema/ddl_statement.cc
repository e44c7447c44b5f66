#include "schema/ddl_statement.h"

#include <cctype>
#include <vector>

#include "schema/sql_lexer.h"

namespace godwit {
namespace {

// Reads the statement as a sequence of words, from the tokens of the SQL
// lexer (schema/sql_lexer.h), so that nothing inside a string literal or a
// comment is ever taken for a keyword or a name (ALTER TABLE t COMMENT
// 'it\'s RENAME TO x' renames nothing): bare words as written, quoted
// identifiers (`x`, "x") by their names, each punctuation character a word
// of its own, and a string literal as the word "'", which matches nothing.
class Words {
 public:
  Words(std::string_view s, Engine dialect) {
    auto tokens = sql::Tokenize(s, dialect);
    if (!tokens.ok() && dialect == Engine::kMysql) {
      // The statement may have been written under NO_BACKSLASH_ESCAPES.
      sql::LexOptions plain;
      plain.mysql_backslash_escapes = false;
      tokens = sql::Tokenize(s, dialect, plain);
    }
    // Text the lexer cannot read gives no words: not a table DDL.
    if (!tokens.ok()) return;
    for (sql::Token& t : *tokens) {
      if (!sql::IsBlank(t)) tokens_.push_back(std::move(t));
    }
  }

  // The next word; empty at the end. `quoted` tells whether it was quoted.
  std::string Next(bool* quoted = nullptr) {
    if (quoted) *quoted = false;
    if (i_ >= tokens_.size()) return {};
    const sql::Token& t = tokens_[i_++];
    // MySQL reads "x" as a name under ANSI_QUOTES; where a DDL statement's
    // head has a "..." it can only be one.
    const bool name = t.kind == sql::TokenKind::kQuotedIdent ||
                      (t.kind == sql::TokenKind::kString && t.prefix.empty() && !t.text.empty() && t.text[0] == '"');
    if (name) {
      if (quoted) *quoted = true;
      return t.value;
    }
    if (t.kind == sql::TokenKind::kString || t.kind == sql::TokenKind::kBitString) return "'";
    return t.text;
  }

 private:
  std::vector<sql::Token> tokens_;
  size_t i_ = 0;
};

std::string Upper(std::string w) {
  for (char& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return w;
}

// Reads "[schema.]name" starting with `first` (already read).
TableRef ReadName(Words& words, std::string first, const std::string& default_schema) {
  Words peek = words;
  if (peek.Next() == ".") {
    words.Next();
    std::string name = words.Next();
    return TableRef{first, name};
  }
  return TableRef{default_schema, first};
}

}  // namespace

DdlStatement ClassifyDdl(std::string_view statement, const std::string& default_schema, Engine dialect) {
  Words words(statement, dialect);
  DdlStatement out;
  bool quoted = false;
  std::string w = Upper(words.Next());
  auto skip = [&](std::initializer_list<const char*> optional) {
    // Skips optional keywords in order (each at most once); returns the next word.
    std::string next = words.Next(&quoted);
    for (const char* k : optional) {
      if (!quoted && Upper(next) == k) next = words.Next(&quoted);
    }
    return next;
  };
  auto table_after = [&](std::initializer_list<const char*> optional) {
    std::string name = skip(optional);
    if (name.empty()) return;
    out.table = ReadName(words, name, default_schema);
  };
  if (w == "CREATE" || w == "ALTER" || w == "DROP" || w == "RENAME" || w == "TRUNCATE") {
    std::string verb = w;
    std::string next = Upper(words.Next());
    // CREATE OR REPLACE / ONLINE / IGNORE / TEMPORARY / UNIQUE / FULLTEXT ...
    std::vector<std::string> modifiers;
    while (next == "OR" || next == "REPLACE" || next == "ONLINE" || next == "OFFLINE" || next == "IGNORE" ||
           next == "TEMPORARY" || next == "UNIQUE" || next == "FULLTEXT" || next == "SPATIAL" || next == "UNLOGGED" ||
           next == "CONCURRENTLY") {
      modifiers.push_back(next);
      next = Upper(words.Next());
    }
    for (const auto& m : modifiers) {
      if (m == "TEMPORARY") return out;  // session-private: never replicated as data
    }
    if (next == "TABLE") {
      out.kind = verb == "CREATE"   ? DdlKind::kCreateTable
                 : verb == "ALTER"  ? DdlKind::kAlterTable
                 : verb == "DROP"   ? DdlKind::kDropTable
                 : verb == "RENAME" ? DdlKind::kRenameTable
                                    : DdlKind::kTruncateTable;
      table_after({"IF", "NOT", "EXISTS", "ONLY"});
    } else if (verb == "TRUNCATE") {
      out.kind = DdlKind::kTruncateTable;
      if (!next.empty()) {
        Words again(statement, dialect);
        again.Next();  // TRUNCATE
        std::string name = again.Next();
        out.table = ReadName(again, name, default_schema);
      }
    } else if (next == "INDEX" && (verb == "CREATE" || verb == "DROP")) {
      out.kind = verb == "CREATE" ? DdlKind::kCreateIndex : DdlKind::kDropIndex;
      // ... INDEX [IF [NOT] EXISTS] name ON table
      for (std::string x = words.Next(&quoted); !x.empty(); x = words.Next(&quoted)) {
        if (!quoted && Upper(x) == "ON") {
          table_after({"ONLY"});
          break;
        }
      }
      if (out.table.name.empty()) out.kind = DdlKind::kOther;  // PostgreSQL's DROP INDEX names no table
    }
  }
  if (out.kind == DdlKind::kRenameTable) {
    // RENAME TABLE a TO b
    if (Upper(words.Next(&quoted)) == "TO" && !quoted) {
      std::string name = words.Next();
      if (!name.empty()) out.new_table = ReadName(words, name, default_schema);
    }
  } else if (out.kind == DdlKind::kAlterTable) {
    // Scan the alter actions for a table rename and for column redefinitions.
    std::string prev;
    for (std::string x = words.Next(&quoted); !x.empty(); x = words.Next(&quoted)) {
      const std::string up = quoted ? "" : Upper(x);
      if (up == "MODIFY" || up == "CHANGE" || (prev == "ALTER" && up == "COLUMN") || up == "TYPE") {
        out.changes_column_definitions = true;
      }
      if (prev == "RENAME" && up != "COLUMN" && up != "INDEX" && up != "KEY" && up != "CONSTRAINT") {
        // ALTER TABLE a RENAME [TO|AS] b (MySQL also accepts it without TO).
        std::string name = (up == "TO" || up == "AS") ? words.Next() : x;
        if (!name.empty()) {
          out.new_table = ReadName(words, name, out.table.schema);
          out.kind = DdlKind::kRenameTable;
        }
        break;
      }
      prev = up;
    }
  }
  if (out.kind != DdlKind::kOther && out.table.name.empty()) out.kind = DdlKind::kOther;
  return out;
}

bool MayRenameColumns(std::string_view statement, Engine dialect) {
  const std::string upper = Upper(std::string(statement));
  return upper.find("RENAME COLUMN") != std::string::npos || upper.find("CHANGE") != std::string::npos ||
         (dialect == Engine::kPostgres && upper.find("RENAME") != std::string::npos);
}

}  // namespace godwit
