#include "schema/view_translation.h"

#include <array>
#include <optional>
#include <set>

#include "schema/view_tree.h"

namespace godwit {
namespace {

using view::Group;
using view::IsKeyword;
using view::IsName;
using view::IsPunct;
using view::Lower;
using view::Node;
using view::Punct;
using view::Seq;
using view::String;
using view::Text;
using view::Word;

std::string Name(Engine e) { return std::string(EngineName(e)); }

Status Untranslatable(const std::string& construct, Engine from, Engine to, const std::string& why = {}) {
  return Status(ErrorCode::kUnsupported,
                "the view uses " + construct + ", which has no translation from " + Name(from) + " to " + Name(to) +
                    (why.empty() ? "" : " (" + why + ")"));
}

// name(args...), the group tight against the name as MySQL requires of its
// built-in functions.
Seq Call(std::string_view name, std::vector<Seq> args) { return {Word(name, false), Group(view::JoinCommas(std::move(args)))}; }

Seq Paren(Seq inner) {
  if (!inner.empty()) inner[0].space = false;
  return {Group(std::move(inner))};
}

Seq Concat(std::initializer_list<Seq> parts) {
  Seq out;
  for (const Seq& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Removes "`schema`." in front of names, at every depth.
void DropQualifier(Seq& seq, std::string_view schema) {
  Seq out;
  for (size_t i = 0; i < seq.size(); ++i) {
    if (seq[i].tok.kind == sql::TokenKind::kQuotedIdent && seq[i].tok.value == schema && i + 1 < seq.size() &&
        IsPunct(seq[i + 1], '.')) {
      if (i + 2 < seq.size()) seq[i + 2].space = seq[i].space;
      ++i;
      continue;
    }
    if (seq[i].group) DropQualifier(seq[i].kids, schema);
    out.push_back(std::move(seq[i]));
  }
  seq = std::move(out);
}

// --- Types of CAST and :: ---

enum class TypeClass { kText, kSigned, kUnsigned, kDecimal, kDouble, kDate, kDateTime, kTime, kBinary, kJson, kOther };

struct CastType {
  TypeClass cls = TypeClass::kOther;
  std::string args;  // "(10,2)", "(20)" as written, or empty
};

CastType ClassifyType(const Seq& type) {
  std::string words;
  std::string args;
  for (const Node& n : type) {
    if (n.group) {
      args = "(" + Text(n.kids) + ")";
      continue;
    }
    if (!IsName(n)) continue;
    // MariaDB writes CAST(x AS CHAR CHARSET utf8mb4): the charset is text's.
    if (IsKeyword(n, "charset") || (IsKeyword(n, "set") && words.ends_with(" character"))) {
      if (words.ends_with(" character")) words.resize(words.size() - 10);
      break;
    }
    words += (words.empty() ? "" : " ") + view::NameOf(n);
  }
  static const std::array<std::pair<const char*, TypeClass>, 40> kTypes = {{
      {"char", TypeClass::kText},
      {"nchar", TypeClass::kText},
      {"varchar", TypeClass::kText},
      {"character", TypeClass::kText},
      {"character varying", TypeClass::kText},
      {"text", TypeClass::kText},
      {"bpchar", TypeClass::kText},
      {"name", TypeClass::kText},
      {"signed", TypeClass::kSigned},
      {"signed integer", TypeClass::kSigned},
      {"signed int", TypeClass::kSigned},
      {"integer", TypeClass::kSigned},
      {"int", TypeClass::kSigned},
      {"int2", TypeClass::kSigned},
      {"int4", TypeClass::kSigned},
      {"int8", TypeClass::kSigned},
      {"smallint", TypeClass::kSigned},
      {"bigint", TypeClass::kSigned},
      {"unsigned", TypeClass::kUnsigned},
      {"unsigned integer", TypeClass::kUnsigned},
      {"unsigned int", TypeClass::kUnsigned},
      {"decimal", TypeClass::kDecimal},
      {"numeric", TypeClass::kDecimal},
      {"double", TypeClass::kDouble},
      {"double precision", TypeClass::kDouble},
      {"float", TypeClass::kDouble},
      {"float8", TypeClass::kDouble},
      {"float4", TypeClass::kDouble},
      {"real", TypeClass::kDouble},
      {"date", TypeClass::kDate},
      {"datetime", TypeClass::kDateTime},
      {"timestamp", TypeClass::kDateTime},
      {"timestamp without time zone", TypeClass::kDateTime},
      {"time", TypeClass::kTime},
      {"time without time zone", TypeClass::kTime},
      {"binary", TypeClass::kBinary},
      {"bytea", TypeClass::kBinary},
      {"blob", TypeClass::kBinary},
      {"json", TypeClass::kJson},
      {"jsonb", TypeClass::kJson},
  }};
  for (const auto& [w, cls] : kTypes) {
    if (words == w) return {cls, args};
  }
  return {TypeClass::kOther, args};
}

// --- Date formats: MySQL DATE_FORMAT, PostgreSQL to_char, SQLite strftime ---

struct FormatField {
  const char* mysql;
  const char* postgres;  // empty: none
  const char* sqlite;    // empty: none
};
constexpr std::array<FormatField, 17> kFormatFields = {{
    {"%Y", "YYYY", "%Y"},
    {"%y", "YY", ""},
    {"%m", "MM", "%m"},
    {"%c", "FMMM", ""},
    {"%d", "DD", "%d"},
    {"%e", "FMDD", ""},
    {"%H", "HH24", "%H"},
    {"%h", "HH12", ""},
    {"%I", "HH12", ""},
    {"%i", "MI", "%M"},
    {"%s", "SS", "%S"},
    {"%S", "SS", "%S"},
    {"%p", "AM", ""},
    {"%M", "FMMonth", ""},
    {"%b", "Mon", ""},
    {"%j", "DDD", "%j"},
    {"%f", "US", ""},
}};

// A MySQL format as PostgreSQL's or SQLite's; nullopt naming the specifier
// it cannot write.
Result<std::string> FormatFromMysql(const std::string& fmt, Engine to) {
  std::string out;
  std::string literal;  // PostgreSQL: text between fields, written "quoted"
  auto flush = [&]() {
    if (literal.empty()) return;
    if (to == Engine::kPostgres) {
      std::string q;
      for (char c : literal) q += c == '"' ? std::string("\\\"") : std::string(1, c);
      out += "\"" + q + "\"";
    } else {
      for (char c : literal) out += c == '%' ? std::string("%%") : std::string(1, c);
    }
    literal.clear();
  };
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%' || i + 1 >= fmt.size()) {
      literal += fmt[i];
      continue;
    }
    const std::string spec = fmt.substr(i, 2);
    ++i;
    if (spec == "%%") {
      literal += '%';
      continue;
    }
    if (spec == "%T") {
      flush();
      out += to == Engine::kPostgres ? "HH24:MI:SS" : "%H:%M:%S";
      continue;
    }
    const FormatField* f = nullptr;
    for (const FormatField& k : kFormatFields) {
      if (spec == k.mysql) f = &k;
    }
    const char* mapped = f ? (to == Engine::kPostgres ? f->postgres : f->sqlite) : "";
    if (!*mapped) return Status(ErrorCode::kUnsupported, "the date format specifier " + spec);
    flush();
    out += mapped;
  }
  flush();
  return out;
}

// A PostgreSQL to_char format as MySQL's DATE_FORMAT or SQLite's strftime.
Result<std::string> FormatFromPostgres(const std::string& fmt, Engine to) {
  std::string out;
  for (size_t i = 0; i < fmt.size();) {
    if (fmt[i] == '"') {  // quoted literal text
      size_t end = fmt.find('"', i + 1);
      if (end == std::string::npos) end = fmt.size();
      for (size_t k = i + 1; k < end; ++k) out += fmt[k] == '%' ? std::string("%%") : std::string(1, fmt[k]);
      i = end + 1;
      continue;
    }
    const FormatField* best = nullptr;
    size_t best_len = 0;
    for (const FormatField& k : kFormatFields) {
      const size_t n = std::char_traits<char>::length(k.postgres);
      if (n > best_len && fmt.compare(i, n, k.postgres) == 0) best = &k, best_len = n;
    }
    if (best) {
      const char* mapped = to == Engine::kMysql ? best->mysql : best->sqlite;
      if (!*mapped) return Status(ErrorCode::kUnsupported, "the to_char pattern " + std::string(best->postgres));
      out += mapped;
      i += best_len;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(fmt[i]))) {
      return Status(ErrorCode::kUnsupported, "the to_char pattern starting at \"" + fmt.substr(i, 4) + "\"");
    }
    out += fmt[i] == '%' ? std::string("%%") : std::string(1, fmt[i]);
    ++i;
  }
  return out;
}

// --- The translator ---

// Function names every engine spells and means alike (as far as views use
// them), and those MySQL and PostgreSQL share.
bool SameEverywhere(const std::string& f) {
  static const std::set<std::string> k = {"count", "sum",        "avg",       "min",        "max",   "coalesce",
                                          "nullif", "abs",       "round",     "upper",      "lower", "trim",
                                          "ltrim",  "rtrim",     "replace",   "row_number", "rank",  "dense_rank",
                                          "lag",    "lead",      "first_value", "last_value", "ntile"};
  return k.count(f) != 0;
}
bool SameMysqlPostgres(const std::string& f) {
  static const std::set<std::string> k = {
      "floor", "ceil", "ceiling", "greatest", "least", "lpad",    "rpad",  "left",  "right", "mod",
      "power", "pow",  "sqrt",    "exp",      "ln",    "sign",    "reverse", "repeat", "md5", "concat_ws",
      "char_length", "character_length", "extract", "position", "pi", "radians", "degrees", "log10", "ascii"};
  return k.count(f) != 0;
}

class Translator {
 public:
  Translator(Engine from, Engine to, const ViewTranslationOptions& options, std::vector<std::string>& warnings)
      : from_(from), to_(to), options_(options), warnings_(warnings) {}

  Status Rewrite(Seq& in) {
    Seq out;
    for (size_t i = 0; i < in.size();) {
      if (view::IsCall(in, i)) {
        if (!out.empty() && IsPunct(out.back(), '.')) {
          return Untranslatable("the function " + Text({out[out.size() - 2], out.back(), in[i]}) + "()", from_, to_,
                                "a function of a schema: a stored function the destination does not have");
        }
        ASSIGN_OR_RETURN(Seq rep, TranslateCall(in[i], in[i + 1]));
        if (!rep.empty()) rep[0].space = in[i].space;
        out.insert(out.end(), rep.begin(), rep.end());
        i += 2;
        continue;
      }
      if (in[i].group) {
        RETURN_IF_ERROR(Rewrite(in[i].kids));
        out.push_back(std::move(in[i++]));
        continue;
      }
      if (from_ == Engine::kPostgres && IsPunct(in[i], ':') && i + 1 < in.size() && IsPunct(in[i + 1], ':')) {
        ASSIGN_OR_RETURN(i, PgCast(in, i + 2, out));
        continue;
      }
      if (from_ == Engine::kMysql && !in[i].group && in[i].tok.kind == sql::TokenKind::kWord) {
        for (const char* op : {"div", "xor", "regexp", "rlike", "sounds"}) {
          if (IsKeyword(in[i], op)) return Untranslatable("MySQL's operator " + in[i].tok.text, from_, to_);
        }
      }
      out.push_back(std::move(in[i++]));
    }
    in = std::move(out);
    if (from_ == Engine::kPostgres) RETURN_IF_ERROR(PgOperators(in));
    if (from_ == Engine::kMysql) RETURN_IF_ERROR(MysqlOperators(in));
    if (to_ == Engine::kMysql) ConcatOperators(in);
    return Status();
  }

 private:
  Engine from_, to_;
  const ViewTranslationOptions& options_;
  std::vector<std::string>& warnings_;

  // The arguments of a call, each rewritten; `raw` keeps them as written.
  Result<std::vector<Seq>> Args(Node& group) {
    RETURN_IF_ERROR(Rewrite(group.kids));
    return view::SplitCommas(group.kids);
  }

  Status Arity(const std::string& f, const std::vector<Seq>& args, size_t lo, size_t hi) {
    if (args.size() >= lo && args.size() <= hi) return Status();
    return Untranslatable(f + "() with " + std::to_string(args.size()) + " arguments", from_, to_);
  }

  Seq CastAs(Seq expr, Seq type) {
    if (!expr.empty()) expr[0].space = false;
    Seq kids = std::move(expr);
    kids.push_back(Word("AS"));
    for (size_t i = 0; i < type.size(); ++i) {
      type[i].space = i == 0 || (!type[i].group && !IsPunct(type[i], '['));
      kids.push_back(std::move(type[i]));
    }
    return {Word("CAST", false), Group(std::move(kids))};
  }

  // `expr` converted to `type` on the destination; the source's CAST when
  // nothing fits is not possible, so the caller decides on kOther.
  Result<Seq> CastTo(Seq expr, const CastType& type, const std::string& as_written) {
    auto words = [](std::initializer_list<const char*> ws) {
      Seq s;
      for (const char* w : ws) s.push_back(Word(w));
      return s;
    };
    auto with_args = [&](Seq s) -> Result<Seq> {
      if (!type.args.empty()) {
        ASSIGN_OR_RETURN(Seq a, view::Parse(type.args, from_));
        for (Node& n : a) n.space = false;
        s.insert(s.end(), a.begin(), a.end());
      }
      return s;
    };
    switch (to_) {
      case Engine::kMysql:
        switch (type.cls) {
          // From PostgreSQL text casts are dropped: MySQL converts to
          // text wherever text is needed, and CAST(x AS CHAR) would give
          // the value the session's collation instead of its column's.
          case TypeClass::kText: return from_ == Engine::kMysql ? CastAs(expr, words({"CHAR"})) : expr;
          case TypeClass::kSigned: return CastAs(expr, words({"SIGNED"}));
          case TypeClass::kUnsigned: return CastAs(expr, words({"UNSIGNED"}));
          case TypeClass::kDecimal: {
            if (type.args.empty()) return expr;  // numeric without a precision: the value as it is
            ASSIGN_OR_RETURN(Seq t, with_args(words({"DECIMAL"})));
            return CastAs(expr, t);
          }
          case TypeClass::kDouble: return CastAs(expr, words({"DOUBLE"}));
          case TypeClass::kDate: return CastAs(expr, words({"DATE"}));
          case TypeClass::kDateTime: return CastAs(expr, words({"DATETIME"}));
          case TypeClass::kTime: return CastAs(expr, words({"TIME"}));
          case TypeClass::kBinary: return CastAs(expr, words({"BINARY"}));
          case TypeClass::kJson: return expr;  // MariaDB has no CAST AS JSON; JSON is text there
          case TypeClass::kOther: break;
        }
        break;
      case Engine::kPostgres:
        switch (type.cls) {
          case TypeClass::kText: {
            if (type.args.empty()) return CastAs(expr, words({"text"}));
            ASSIGN_OR_RETURN(Seq t, with_args(words({"varchar"})));
            return CastAs(expr, t);
          }
          case TypeClass::kSigned: return CastAs(expr, words({"bigint"}));  // MySQL's SIGNED is 64 bits
          case TypeClass::kUnsigned: return CastAs(expr, words({"numeric"}));
          case TypeClass::kDecimal: {
            ASSIGN_OR_RETURN(Seq t, with_args(words({"numeric"})));
            return CastAs(expr, t);
          }
          case TypeClass::kDouble: return CastAs(expr, words({"double", "precision"}));
          case TypeClass::kDate: return CastAs(expr, words({"date"}));
          case TypeClass::kDateTime: return CastAs(expr, words({"timestamp"}));
          case TypeClass::kTime: return CastAs(expr, words({"time"}));
          case TypeClass::kBinary: return CastAs(expr, words({"bytea"}));
          case TypeClass::kJson: return CastAs(expr, words({"jsonb"}));
          case TypeClass::kOther: break;
        }
        break;
      case Engine::kSqlite:
        switch (type.cls) {
          case TypeClass::kText: return from_ == Engine::kPostgres ? expr : CastAs(expr, words({"TEXT"}));
          case TypeClass::kSigned:
          case TypeClass::kUnsigned: return CastAs(expr, words({"INTEGER"}));
          case TypeClass::kDecimal: return CastAs(expr, words({"NUMERIC"}));
          case TypeClass::kDouble: return CastAs(expr, words({"REAL"}));
          // CAST(x AS DATE) in SQLite gives NUMERIC affinity: 2024 from
          // '2024-01-02'. Its date functions give the text form.
          case TypeClass::kDate: return Call("date", {expr});
          case TypeClass::kDateTime: return Call("datetime", {expr});
          case TypeClass::kTime: return Call("time", {expr});
          case TypeClass::kBinary: return CastAs(expr, words({"BLOB"}));
          case TypeClass::kJson: return expr;
          case TypeClass::kOther: break;
        }
        break;
    }
    // A type of PostgreSQL's own (an enum or domain of the schema, which
    // becomes its base type elsewhere): the value is carried as it is.
    if (from_ == Engine::kPostgres) return expr;
    return Untranslatable("CAST(... AS " + as_written + ")", from_, to_);
  }

  // PostgreSQL's `operand::type`: the operand is the primary just written
  // to `out`; the type is read from `in` at `i`. Returns where reading
  // goes on.
  Result<size_t> PgCast(Seq& in, size_t i, Seq& out) {
    Seq operand;
    auto take = [&]() {
      operand.insert(operand.begin(), std::move(out.back()));
      out.pop_back();
    };
    if (out.empty()) return Status(ErrorCode::kInvalidArgument, "the view's text has :: without a value before it");
    const bool group = out.back().group;
    take();
    if (group && !out.empty() && IsName(out.back()) && !view::IsReserved(out.back())) take();  // f(x)::t
    while (out.size() >= 2 && IsPunct(out.back(), '.') && !out[out.size() - 2].group) {
      take();
      take();
    }
    // The type: words (several for "character varying", "double
    // precision", "timestamp without time zone"), dotted names, one group
    // of modifiers, [] for arrays.
    Seq type;
    const size_t begin = i;
    static const std::set<std::string> kContinuing = {"varying", "precision", "without", "with", "time", "zone"};
    while (i < in.size()) {
      const Node& n = in[i];
      const bool first = i == begin;
      if (IsName(n) && (first || IsPunct(in[i - 1], '.') || kContinuing.count(Lower(n.tok.text)))) {
        type.push_back(n);
      } else if (!first && IsPunct(n, '.')) {
        type.push_back(n);
      } else if (!first && n.group && !type.back().group) {
        type.push_back(n);
      } else if (!first && IsPunct(n, '[') && i + 1 < in.size() && IsPunct(in[i + 1], ']')) {
        type.push_back(n);
        type.push_back(in[++i]);
      } else {
        break;
      }
      ++i;
    }
    if (type.empty()) return Status(ErrorCode::kInvalidArgument, "the view's text has :: without a type after it");
    for (const Node& n : type) {
      if (IsPunct(n, '[')) {  // arrays exist only on PostgreSQL
        return Untranslatable("a cast to the array type " + Text(type), from_, to_);
      }
    }
    const bool space = operand.front().space;
    ASSIGN_OR_RETURN(Seq rep, CastTo(operand, ClassifyType(type), Text(type)));
    rep.front().space = space;
    out.insert(out.end(), rep.begin(), rep.end());
    return i;
  }

  // The parts of GROUP_CONCAT / string_agg / group_concat.
  struct Aggregate {
    bool distinct = false;
    Seq value;
    std::optional<Seq> separator;
    Seq order_by;  // the keys after ORDER BY, or empty
  };

  Result<Aggregate> ReadAggregate(const std::string& f, Seq kids) {
    Aggregate a;
    if (!kids.empty() && IsKeyword(kids[0], "distinct")) {
      a.distinct = true;
      kids.erase(kids.begin());
    }
    Seq head = kids;
    int sep = view::FindKeyword(kids, "separator");
    int order = view::FindKeyword(kids, "order");
    if (order >= 0 && (order + 1 >= static_cast<int>(kids.size()) || !IsKeyword(kids[order + 1], "by"))) order = -1;
    const int head_end = order >= 0 ? order : (sep >= 0 ? sep : static_cast<int>(kids.size()));
    head.assign(kids.begin(), kids.begin() + head_end);
    if (order >= 0) a.order_by.assign(kids.begin() + order + 2, kids.begin() + (sep > order ? sep : kids.size()));
    if (sep >= 0) a.separator = Seq(kids.begin() + sep + 1, kids.begin() + (order > sep ? order : kids.size()));
    std::vector<Seq> args = view::SplitCommas(head);
    if (from_ == Engine::kMysql) {
      if (args.size() != 1) return Untranslatable("GROUP_CONCAT of several expressions", from_, to_);
    } else if (args.size() == 2) {
      a.separator = args[1];
    } else if (args.size() != 1 || f == "string_agg") {
      return Untranslatable(f + "() with " + std::to_string(args.size()) + " arguments", from_, to_);
    }
    a.value = args[0];
    if (!a.separator) a.separator = Seq{String(",")};  // MySQL's and SQLite's default
    return a;
  }

  Result<Seq> WriteAggregate(Aggregate a) {
    for (Node& n : *a.separator) n.space = false;
    if (!a.value.empty()) a.value[0].space = false;
    Seq distinct;
    if (a.distinct) distinct.push_back(Word("DISTINCT", false));
    Seq order;
    if (!a.order_by.empty()) {
      order = {Word("ORDER"), Word("BY")};
      a.order_by[0].space = true;
      order.insert(order.end(), a.order_by.begin(), a.order_by.end());
    }
    switch (to_) {
      case Engine::kMysql: {
        Seq kids = Concat({distinct, a.value, order, {Word("SEPARATOR")}, *a.separator});
        if (!a.distinct) kids[0].space = false;
        if (a.distinct) kids[1].space = true;
        kids[kids.size() - a.separator->size()].space = true;
        return Seq{Word("group_concat", false), Group(std::move(kids))};
      }
      case Engine::kPostgres: {
        Seq value = CastAs(a.value, {Word("text")});
        if (a.distinct && !a.order_by.empty()) {
          // PostgreSQL orders a DISTINCT aggregate only by its argument.
          Seq direction;
          for (const Node& n : a.order_by) {
            if (IsKeyword(n, "desc")) direction = {Word("DESC")};
            if (IsPunct(n, ',')) break;
          }
          warnings_.push_back("string_agg(DISTINCT ...) orders by the aggregated text itself: PostgreSQL cannot "
                              "order a DISTINCT aggregate by another expression (" + Text(a.order_by) + ")");
          order = Concat({{Word("ORDER"), Word("BY")}, value, direction});
          order[2].space = true;
        }
        Seq kids = Concat({distinct, value, {Punct(',')}, *a.separator, order});
        if (a.distinct) kids[1].space = true;
        kids[distinct.size() + value.size() + 1].space = true;
        return Seq{Word("string_agg", false), Group(std::move(kids))};
      }
      case Engine::kSqlite: {
        if (!a.order_by.empty() && !options_.sqlite_ordered_aggregates) {
          return Untranslatable("an ordered string aggregate (ORDER BY " + Text(a.order_by) + ")", from_, to_,
                                "SQLite takes ORDER BY inside group_concat only from version 3.44; without it the "
                                "order of the concatenated values would differ");
        }
        const bool default_sep = a.separator->size() == 1 && a.separator->front().tok.kind == sql::TokenKind::kString &&
                                 a.separator->front().tok.value == ",";
        if (a.distinct && !default_sep) {
          return Untranslatable("a DISTINCT string aggregate with the separator " + Text(*a.separator), from_, to_,
                                "SQLite's DISTINCT aggregates take one argument, so group_concat(DISTINCT x, sep) "
                                "does not exist there");
        }
        Seq kids = Concat({distinct, a.value});
        if (a.distinct) kids[1].space = true;
        if (!a.distinct) {
          kids.push_back(Punct(','));
          Seq sep = *a.separator;
          sep[0].space = true;
          kids.insert(kids.end(), sep.begin(), sep.end());
        }
        kids.insert(kids.end(), order.begin(), order.end());
        return Seq{Word("group_concat", false), Group(std::move(kids))};
      }
    }
    return Untranslatable("a string aggregate", from_, to_);
  }

  // Whether `cond` (MySQL) is a value rather than a comparison: MySQL
  // takes any number as a condition, PostgreSQL only a boolean.
  static bool IsValueCondition(const Seq& cond) {
    if (cond.size() == 1 && cond[0].group) return IsValueCondition(cond[0].kids);
    for (const Node& n : cond) {
      if (n.group) continue;
      for (char c : {'=', '<', '>', '!'}) {
        if (IsPunct(n, c)) return false;
      }
      for (const char* w : {"and", "or", "not", "is", "in", "like", "between", "exists", "true", "false"}) {
        if (IsKeyword(n, w)) return false;
      }
    }
    return true;
  }

  Seq CaseWhen(Seq cond, Seq then, Seq otherwise) {
    if (from_ == Engine::kMysql && to_ == Engine::kPostgres && IsValueCondition(cond)) {
      cond = Concat({Paren(cond), {Punct('<', true), Punct('>'), Word("0")}});
    }
    for (Seq* s : {&cond, &then, &otherwise}) {
      if (!s->empty()) s->front().space = true;
    }
    Seq kids = Concat({{Word("CASE", false), Word("WHEN")}, cond, {Word("THEN")}, then, {Word("ELSE")}, otherwise,
                       {Word("END")}});
    return Paren(kids);
  }

  Seq Extract(const std::string& field, Seq expr) {
    if (!expr.empty()) expr[0].space = true;
    if (to_ == Engine::kSqlite) {
      static const std::array<std::pair<const char*, const char*>, 6> kFields = {
          {{"year", "%Y"}, {"month", "%m"}, {"day", "%d"}, {"hour", "%H"}, {"minute", "%M"}, {"second", "%S"}}};
      for (const auto& [name, spec] : kFields) {
        if (field == name) {
          return CastAs(Call("strftime", {{String(spec, false)}, expr}), {Word("INTEGER")});
        }
      }
      return {};
    }
    Seq e = {Word("EXTRACT", false), Group(Concat({{Word(field, false), Word("FROM")}, expr}))};
    if (to_ != Engine::kPostgres) return e;
    // PostgreSQL's EXTRACT gives numeric (with the fraction of a second);
    // MySQL's YEAR(), SECOND()... give whole numbers.
    if (field == "second") e = Call("floor", {e});
    return CastAs(e, {Word("integer")});
  }

  Result<Seq> DateFormat(const std::string& f, Seq expr, const Seq& fmt) {
    if (fmt.size() != 1 || fmt[0].tok.kind != sql::TokenKind::kString) {
      return Untranslatable(f + "() with a format that is not a literal", from_, to_);
    }
    auto mapped = from_ == Engine::kPostgres ? FormatFromPostgres(fmt[0].tok.value, to_)
                                              : FormatFromMysql(fmt[0].tok.value, to_);
    if (!mapped.ok()) return Untranslatable(f + "() with " + mapped.status().message(), from_, to_);
    switch (to_) {
      case Engine::kPostgres: return Call("to_char", {expr, {String(*mapped, false)}});
      case Engine::kMysql: return Call("date_format", {expr, {String(*mapped, false)}});
      case Engine::kSqlite: return Call("strftime", {{String(*mapped, false)}, expr});
    }
    return Seq{};
  }

  // A call `name(group)` as the destination writes it.
  Result<Seq> TranslateCall(Node& name_node, Node& group) {
    const std::string f = view::NameOf(name_node);
    const std::string shown = name_node.tok.kind == sql::TokenKind::kWord ? name_node.tok.text : f;
    bool rewritten = false;  // the arguments are rewritten once, by keep() or below
    auto keep = [&]() -> Result<Seq> {
      if (!rewritten) RETURN_IF_ERROR(Rewrite(group.kids));
      rewritten = true;
      Node n = name_node;
      if (n.tok.kind == sql::TokenKind::kQuotedIdent) n = Word(f);  // PostgreSQL's "left"(...) and the like
      n.space = false;
      group.space = false;
      return Seq{n, group};
    };

    if (f == "cast") {
      int as = -1;
      for (size_t i = 0; i < group.kids.size(); ++i) {
        if (IsKeyword(group.kids[i], "as")) as = static_cast<int>(i);
      }
      if (as < 0) return Untranslatable("CAST without AS", from_, to_);
      Seq expr(group.kids.begin(), group.kids.begin() + as);
      Seq type(group.kids.begin() + as + 1, group.kids.end());
      RETURN_IF_ERROR(Rewrite(expr));
      ASSIGN_OR_RETURN(Seq rep, CastTo(expr, ClassifyType(type), Text(type)));
      return rep.size() == expr.size() ? Paren(rep) : rep;
    }
    if (f == "convert" && from_ == Engine::kMysql) {
      std::vector<Seq> parts = view::SplitCommas(group.kids);
      if (parts.size() == 1) {  // CONVERT(x USING charset): text is text elsewhere
        int using_at = view::FindKeyword(parts[0], "using");
        if (using_at < 0) return Untranslatable("CONVERT() without a type", from_, to_);
        Seq expr(parts[0].begin(), parts[0].begin() + using_at);
        RETURN_IF_ERROR(Rewrite(expr));
        return Paren(expr);
      }
      RETURN_IF_ERROR(Arity("CONVERT", parts, 2, 2));
      RETURN_IF_ERROR(Rewrite(parts[0]));
      ASSIGN_OR_RETURN(Seq rep, CastTo(parts[0], ClassifyType(parts[1]), Text(parts[1])));
      return Paren(rep);
    }
    if (f == "group_concat" || f == "string_agg") {
      if ((f == "string_agg") != (from_ == Engine::kPostgres)) return UnknownFunction(shown);
      RETURN_IF_ERROR(Rewrite(group.kids));
      ASSIGN_OR_RETURN(Aggregate a, ReadAggregate(f, group.kids));
      return WriteAggregate(std::move(a));
    }

    ASSIGN_OR_RETURN(std::vector<Seq> args, Args(group));
    rewritten = true;
    const bool mysql_src = from_ == Engine::kMysql, pg_src = from_ == Engine::kPostgres;
    if (SameEverywhere(f)) {
      if ((f == "min" || f == "max") && args.size() > 1 && from_ == Engine::kSqlite) {
        return Call(f == "min" ? "least" : "greatest", args);  // SQLite's scalar min/max
      }
      if ((f == "trim" || f == "ltrim" || f == "rtrim") && to_ == Engine::kSqlite && view::FindKeyword(group.kids, "from") >= 0) {
        return Untranslatable(shown + "(... FROM ...)", from_, to_);
      }
      return keep();
    }
    if ((mysql_src || pg_src) && to_ != Engine::kSqlite && SameMysqlPostgres(f)) return keep();

    if ((f == "if" && mysql_src) || (f == "iif" && from_ == Engine::kSqlite)) {
      RETURN_IF_ERROR(Arity(shown, args, 3, 3));
      if (to_ == Engine::kMysql) return Call("if", args);
      return CaseWhen(args[0], args[1], args[2]);
    }
    if (f == "ifnull" || f == "nvl") {
      RETURN_IF_ERROR(Arity(shown, args, 2, 2));
      return Call("coalesce", args);
    }
    if (f == "concat") {
      if (mysql_src) {
        // MySQL's CONCAT is NULL when any argument is; PostgreSQL's
        // concat() skips NULLs, its || operator is NULL like MySQL's
        // CONCAT. Hence (a || b), each argument cast to text because ||
        // needs a text operand where MySQL converts numbers by itself.
        Seq joined;
        for (size_t i = 0; i < args.size(); ++i) {
          if (i) joined.insert(joined.end(), {Punct('|', true), Punct('|')});
          Seq arg = to_ == Engine::kPostgres ? CastAs(args[i], {Word("text")}) : args[i];
          arg[0].space = i != 0;
          joined.insert(joined.end(), arg.begin(), arg.end());
        }
        return Paren(joined);
      }
      // PostgreSQL's (and SQLite 3.44's) concat() skips NULLs: MySQL's
      // CONCAT_WS('', ...) does the same; elsewhere each NULL becomes ''.
      if (to_ == Engine::kMysql) {
        args.insert(args.begin(), Seq{String("", false)});
        return Call("concat_ws", args);
      }
      if (to_ == Engine::kPostgres) return keep();
      Seq joined;
      for (size_t i = 0; i < args.size(); ++i) {
        if (i) joined.insert(joined.end(), {Punct('|', true), Punct('|')});
        Seq arg = Call("coalesce", {args[i], {String("", false)}});
        arg[0].space = i != 0;
        joined.insert(joined.end(), arg.begin(), arg.end());
      }
      return Paren(joined);
    }
    if (f == "concat_ws" && to_ == Engine::kSqlite) {
      return Untranslatable("CONCAT_WS()", from_, to_, "SQLite has it only from version 3.44");
    }
    if ((f == "now" || f == "current_timestamp" || f == "localtimestamp" || f == "sysdate") && args.empty()) {
      // MySQL's NOW() is the session's local time without a zone, to the second.
      if (to_ == Engine::kPostgres) return mysql_src ? Seq{Word("LOCALTIMESTAMP", false), Group({Word("0", false)})} : keep();
      if (to_ == Engine::kSqlite) return Call("datetime", {{String("now", false)}, {String("localtime")}});
      return Call("now", {});
    }
    if ((f == "curdate" || f == "current_date") && args.empty()) {
      if (to_ == Engine::kSqlite) return Call("date", {{String("now", false)}, {String("localtime")}});
      return Seq{Word("CURRENT_DATE", false)};
    }
    if ((f == "curtime" || f == "current_time") && args.empty()) {
      if (to_ == Engine::kSqlite) return Call("time", {{String("now", false)}, {String("localtime")}});
      if (to_ == Engine::kPostgres) return Seq{Word("LOCALTIME", false), Group({Word("0", false)})};
      return Call("curtime", {});
    }
    if (f == "date" && (mysql_src || from_ == Engine::kSqlite) && args.size() == 1) {
      if (to_ == Engine::kPostgres) return CastAs(args[0], {Word("date")});
      return Call("date", args);
    }
    if (mysql_src && (f == "year" || f == "month" || f == "day" || f == "dayofmonth" || f == "hour" ||
                      f == "minute" || f == "second")) {
      RETURN_IF_ERROR(Arity(shown, args, 1, 1));
      Seq e = Extract(f == "dayofmonth" ? "day" : f, args[0]);
      if (e.empty()) return Untranslatable(shown + "()", from_, to_);
      return e;
    }
    if (f == "extract" && to_ == Engine::kSqlite && !args.empty()) {
      int from_at = view::FindKeyword(args[0], "from");
      if (from_at == 1 && IsName(args[0][0])) {
        Seq e = Extract(Lower(args[0][0].tok.text), Seq(args[0].begin() + 2, args[0].end()));
        if (!e.empty()) return e;
      }
      return Untranslatable("EXTRACT(" + Text(args[0]) + ")", from_, to_);
    }
    if (f == "date_part" && pg_src && args.size() == 2 && args[0].size() == 1 &&
        args[0][0].tok.kind == sql::TokenKind::kString) {
      Seq e = Extract(Lower(args[0][0].tok.value), args[1]);
      if (to_ == Engine::kMysql) {
        args[1][0].space = true;
        e = {Word("EXTRACT", false), Group(Concat({{Word(Lower(args[0][0].tok.value), false), Word("FROM")}, args[1]}))};
      }
      if (e.empty()) return Untranslatable("date_part(" + Text(args[0]) + ", ...)", from_, to_);
      return e;
    }
    if ((f == "date_format" && mysql_src) || (f == "to_char" && pg_src)) {
      RETURN_IF_ERROR(Arity(shown, args, 2, 2));
      return DateFormat(shown, args[0], args[1]);
    }
    if (f == "datediff" && mysql_src) {
      RETURN_IF_ERROR(Arity(shown, args, 2, 2));
      if (to_ == Engine::kPostgres) {
        Seq diff = Concat({CastAs(args[0], {Word("date")}), {Punct('-', true)}, CastAs(args[1], {Word("date")})});
        diff[diff.size() - 2].space = true;
        return Paren(diff);
      }
      Seq diff = Concat({Call("julianday", {Call("date", {args[0]})}), {Punct('-', true)},
                         Call("julianday", {Call("date", {args[1]})})});
      diff[diff.size() - 2].space = true;
      return CastAs(diff, {Word("INTEGER")});
    }
    if (f == "ucase" || f == "lcase") return Call(f == "ucase" ? "upper" : "lower", args);
    if (f == "substr" || f == "substring") {
      if (view::FindKeyword(group.kids, "from") >= 0) {
        if (to_ != Engine::kSqlite) return keep();
        return Untranslatable(shown + "(... FROM ...)", from_, to_);
      }
      RETURN_IF_ERROR(Arity(shown, args, 2, 3));
      return Call(to_ == Engine::kMysql ? "substring" : "substr", args);
    }
    if (f == "length") {
      RETURN_IF_ERROR(Arity(shown, args, 1, 1));
      if (mysql_src) {  // MySQL's LENGTH counts bytes
        if (to_ == Engine::kPostgres) return Call("octet_length", args);
        return Call("length", {CastAs(args[0], {Word("BLOB")})});
      }
      return Call(to_ == Engine::kMysql ? "char_length" : "length", args);
    }
    if ((f == "char_length" || f == "character_length") && to_ == Engine::kSqlite) return Call("length", args);
    if (f == "to_days" && mysql_src && args.size() == 1) {
      // MySQL's day number (MariaDB stores DATEDIFF(a, b) as
      // to_days(a) - to_days(b)): days since year 0, 366 on 0001-01-01.
      Seq days;
      if (to_ == Engine::kPostgres) {
        days = Concat({CastAs(args[0], {Word("date")}), {Punct('-', true), Word("DATE"), String("0001-01-01")}});
      } else {
        Seq diff = Concat({Call("julianday", {Call("date", {args[0]})}), {Punct('-', true)},
                           Call("julianday", {{String("0001-01-01", false)}})});
        diff[diff.size() - 2].space = true;
        days = CastAs(diff, {Word("INTEGER")});
      }
      days.insert(days.end(), {Punct('+', true), Word("366")});
      for (size_t i = 1; i < days.size(); ++i) {
        if (IsPunct(days[i], '-') || IsPunct(days[i], '+')) days[i].space = true;
      }
      days[0].space = false;
      return Paren(days);
    }
    if (f == "octet_length" && (pg_src || mysql_src)) {
      if (to_ == Engine::kPostgres) return keep();
      if (to_ == Engine::kMysql) return Call("length", args);
      return Call("length", {CastAs(args[0], {Word("BLOB")})});
    }
    if (f == "left" && to_ == Engine::kSqlite && args.size() == 2) {
      return Call("substr", {args[0], {Word("1", false)}, args[1]});
    }
    if ((f == "locate" && mysql_src && args.size() == 2) || (f == "strpos" && pg_src && args.size() == 2) ||
        (f == "instr" && (mysql_src || from_ == Engine::kSqlite) && args.size() == 2)) {
      // locate(needle, hay); strpos(hay, needle); instr(hay, needle)
      Seq hay = f == "locate" ? args[1] : args[0], needle = f == "locate" ? args[0] : args[1];
      if (to_ == Engine::kPostgres) return Call("strpos", {hay, needle});
      if (to_ == Engine::kMysql) return Call("locate", {needle, hay});
      return Call("instr", {hay, needle});
    }
    return UnknownFunction(shown);
  }

  Status UnknownFunction(const std::string& shown) {
    return Untranslatable("the function " + shown + "()", from_, to_,
                          "a function the translator does not know, or a stored function of the source");
  }

  // Whether node `i` starts PostgreSQL's `op` spelled in single characters
  // written together ("~~", "!~~").
  static bool OperatorAt(const Seq& s, size_t i, std::string_view op) {
    for (size_t k = 0; k < op.size(); ++k) {
      if (i + k >= s.size() || !IsPunct(s[i + k], op[k]) || (k > 0 && s[i + k].space)) return false;
    }
    return true;
  }

  // pg_get_viewdef's ~~ (LIKE), !~~ (NOT LIKE) and `= ANY (ARRAY[...])`
  // (IN) for engines without them.
  Status PgOperators(Seq& s) {
    if (to_ == Engine::kPostgres) return Status();
    Seq out;
    for (size_t i = 0; i < s.size();) {
      if (OperatorAt(s, i, "!~~")) {
        if (OperatorAt(s, i + 3, "*")) return Untranslatable("the operator !~~* (NOT ILIKE)", from_, to_);
        out.push_back(Word("NOT"));
        out.push_back(Word("LIKE"));
        i += 3;
        continue;
      }
      if (OperatorAt(s, i, "~~")) {
        if (OperatorAt(s, i + 2, "*")) return Untranslatable("the operator ~~* (ILIKE)", from_, to_);
        if (to_ == Engine::kSqlite) warnings_.push_back("LIKE ignores the case of ASCII letters on SQLite");
        out.push_back(Word("LIKE"));
        i += 2;
        continue;
      }
      if (IsPunct(s[i], '~')) return Untranslatable("PostgreSQL's regular expression operator ~", from_, to_);
      const bool eq_any = IsPunct(s[i], '=') && i + 2 < s.size() && IsKeyword(s[i + 1], "any");
      const bool ne_all = OperatorAt(s, i, "<>") && i + 3 < s.size() && IsKeyword(s[i + 2], "all");
      if (eq_any || ne_all) {
        const Node& g = s[i + (eq_any ? 2 : 3)];
        if (g.group && g.kids.size() >= 3 && IsKeyword(g.kids[0], "array") && IsPunct(g.kids[1], '[') &&
            IsPunct(g.kids.back(), ']')) {
          Seq items(g.kids.begin() + 2, g.kids.end() - 1);
          if (!items.empty()) items[0].space = false;
          if (ne_all) out.push_back(Word("NOT"));
          out.push_back(Word("IN"));
          out.push_back(Group(std::move(items), true));
          i += eq_any ? 3 : 4;
          continue;
        }
        return Untranslatable(std::string(eq_any ? "= ANY" : "<> ALL") + " over an array", from_, to_);
      }
      out.push_back(std::move(s[i++]));
    }
    s = std::move(out);
    return Status();
  }

  // MySQL's `LIMIT offset, count` and `<=>`.
  Status MysqlOperators(Seq& s) {
    if (to_ == Engine::kMysql) return Status();
    Seq out;
    for (size_t i = 0; i < s.size();) {
      if (OperatorAt(s, i, "<=>")) {
        if (to_ == Engine::kPostgres) {
          for (const char* w : {"IS", "NOT", "DISTINCT", "FROM"}) out.push_back(Word(w));
        } else {
          out.push_back(Word("IS"));
        }
        i += 3;
        continue;
      }
      if (IsKeyword(s[i], "limit") && i + 3 < s.size() && IsPunct(s[i + 2], ',')) {
        Node offset = s[i + 1], count = s[i + 3];
        offset.space = count.space = true;
        out.insert(out.end(), {s[i], count, Word("OFFSET"), offset});
        i += 4;
        continue;
      }
      out.push_back(std::move(s[i++]));
    }
    s = std::move(out);
    return Status();
  }

  // Where an operand of || ends: a comma, a comparison, a clause or
  // logical keyword (|| binds tighter than those, looser than + - * /).
  static bool EndsOperand(const Node& n) {
    if (n.group) return false;
    if (view::IsReserved(n) || IsKeyword(n, "then") || IsKeyword(n, "else") || IsKeyword(n, "end")) return true;
    for (char c : {',', '=', '<', '>', '!', ';'}) {
      if (IsPunct(n, c)) return true;
    }
    return false;
  }

  // a || b || c as CONCAT(a, b, c) for MySQL, where || is OR. Both are NULL
  // when an operand is NULL.
  void ConcatOperators(Seq& s) {
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      if (!(IsPunct(s[i], '|') && IsPunct(s[i + 1], '|') && !s[i + 1].space)) continue;
      size_t begin = i;
      while (begin > 0 && !EndsOperand(s[begin - 1])) --begin;
      std::vector<Seq> operands = {Seq(s.begin() + begin, s.begin() + i)};
      size_t k = i + 2;
      while (true) {
        size_t end = k;
        while (end < s.size() && !EndsOperand(s[end]) && !(IsPunct(s[end], '|') && end + 1 < s.size() &&
                                                          IsPunct(s[end + 1], '|') && !s[end + 1].space)) {
          ++end;
        }
        operands.emplace_back(s.begin() + k, s.begin() + end);
        k = end;
        if (k + 1 < s.size() && IsPunct(s[k], '|') && IsPunct(s[k + 1], '|')) {
          k += 2;
          continue;
        }
        break;
      }
      const bool space = begin < s.size() && s[begin].space;
      Seq rep = Call("concat", operands);
      rep[0].space = space;
      s.erase(s.begin() + begin, s.begin() + k);
      s.insert(s.begin() + begin, rep.begin(), rep.end());
      i = begin;
    }
  }
};

// PostgreSQL's arrays left after translation (those of `= ANY (ARRAY[...])`
// became IN lists): no other engine has them.
Status NoArrays(const Seq& s, Engine to) {
  for (const Node& n : s) {
    if (n.group) RETURN_IF_ERROR(NoArrays(n.kids, to));
    if (IsKeyword(n, "array") || IsPunct(n, '[')) return Untranslatable("an array", Engine::kPostgres, to);
  }
  return Status();
}

}  // namespace

Result<TranslatedView> TranslateView(std::string_view definition, Engine from, Engine to,
                                     const ViewTranslationOptions& options) {
  TranslatedView out;
  ASSIGN_OR_RETURN(Seq tree, view::Parse(definition, from));
  if (!options.drop_qualifier.empty()) DropQualifier(tree, options.drop_qualifier);
  if (from != to) {
    if (to == Engine::kPostgres && from != Engine::kPostgres) {
      RETURN_IF_ERROR(view::MakeGroupByStrict(tree, options.source_tables));
    }
    RETURN_IF_ERROR(Translator(from, to, options, out.warnings).Rewrite(tree));
    if (from == Engine::kPostgres) RETURN_IF_ERROR(NoArrays(tree, to));
  }
  ASSIGN_OR_RETURN(out.definition, sql::Render(view::Flatten(tree), from, to));
  return out;
}

}  // namespace godwit
