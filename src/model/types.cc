#include "model/types.h"

namespace godwit {

std::string_view EngineName(Engine e) {
  switch (e) {
    case Engine::kMysql: return "mysql";
    case Engine::kPostgres: return "postgresql";
    case Engine::kSqlite: return "sqlite";
  }
  return "unknown";
}

std::string_view TypeKindName(TypeKind k) {
  switch (k) {
    case TypeKind::kBool: return "bool";
    case TypeKind::kInt8: return "int8";
    case TypeKind::kInt16: return "int16";
    case TypeKind::kInt24: return "int24";
    case TypeKind::kInt32: return "int32";
    case TypeKind::kInt64: return "int64";
    case TypeKind::kDecimal: return "decimal";
    case TypeKind::kFloat: return "float";
    case TypeKind::kDouble: return "double";
    case TypeKind::kChar: return "char";
    case TypeKind::kVarchar: return "varchar";
    case TypeKind::kText: return "text";
    case TypeKind::kBinary: return "binary";
    case TypeKind::kVarbinary: return "varbinary";
    case TypeKind::kBlob: return "blob";
    case TypeKind::kDate: return "date";
    case TypeKind::kTime: return "time";
    case TypeKind::kDateTime: return "datetime";
    case TypeKind::kTimestampTz: return "timestamptz";
    case TypeKind::kYear: return "year";
    case TypeKind::kJson: return "json";
    case TypeKind::kEnum: return "enum";
    case TypeKind::kSet: return "set";
    case TypeKind::kUuid: return "uuid";
    case TypeKind::kBit: return "bit";
    case TypeKind::kNative: return "native";
  }
  return "unknown";
}

bool ColumnType::IsInteger() const {
  switch (kind) {
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt24:
    case TypeKind::kInt32:
    case TypeKind::kInt64: return true;
    default: return false;
  }
}

bool ColumnType::IsString() const {
  switch (kind) {
    case TypeKind::kChar:
    case TypeKind::kVarchar:
    case TypeKind::kText:
    case TypeKind::kEnum:
    case TypeKind::kSet:
    case TypeKind::kJson:
    case TypeKind::kUuid: return true;
    default: return false;
  }
}

bool ColumnType::IsBinary() const {
  return kind == TypeKind::kBinary || kind == TypeKind::kVarbinary || kind == TypeKind::kBlob;
}

}  // namespace godwit
