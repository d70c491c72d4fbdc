// GraphDefs as bytes and files: binary and text format through protobuf's own
// serializer and parsers, read_graph_def, and train::write_graph (atomic, as
// the Saver writes its files).
#pragma once

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include "../core/error.hpp"
#include "../train/npy.hpp"
#include "convert.hpp"

namespace sessionlib {

namespace detail {

/// Keeps the first error of protobuf's text parser as "line:column: message" (1-based, as protoc prints).
class text_errors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (first.empty()) first = std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  std::string first;
};

/// Parses `bytes` into message `m`; on failure returns false and the reason in `why`.
inline bool parse_message(std::string_view bytes, bool as_text, google::protobuf::Message& m, std::string& why) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    why = "larger than protobuf's 2 GiB limit";  // TF: "GraphDef cannot be larger than 2GB"
    return false;
  }
  if (!as_text) {
    if (m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return true;
    why = "the bytes are not a valid binary " + m.GetDescriptor()->full_name() + " (truncated or corrupted)";
    return false;
  }
  google::protobuf::TextFormat::Parser parser;
  text_errors errors;
  parser.RecordErrorsTo(&errors);
  google::protobuf::io::ArrayInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  if (parser.Parse(&in, &m)) return true;
  why = errors.first.empty() ? std::string("not a text ") + m.GetDescriptor()->full_name() : errors.first;
  return false;
}

/// True for paths TF's tools read as text protos: ".pbtxt" and ".txt".
inline bool is_text_path(const std::filesystem::path& path) {
  const auto ext = path.extension().string();
  return ext == ".pbtxt" || ext == ".txt";
}

/// The bytes of file `path`; `sl::not_found` when it does not exist.
inline std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw not_found(path.string() + "; No such file or directory");
    throw permission_denied("Cannot open " + path.string());
  }
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

}  // namespace detail

/// `def` in protobuf's binary format (deterministic: map entries sorted) or,
/// with `as_text`, in text format as TF's `write_graph(as_text=True)` writes it.
inline std::string serialize_graph_def(const GraphDef& def, bool as_text = false) {
  const auto m = to_message(def);
  std::string out;
  if (as_text) {
    if (!google::protobuf::TextFormat::PrintToString(*m, &out))
      throw internal_error("sessionlib: protobuf could not print a GraphDef as text");
    return out;
  }
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!m->SerializeToCodedStream(&coded)) throw internal_error("sessionlib: protobuf could not serialise a GraphDef");
  }
  return out;
}

/// The GraphDef in `bytes` (binary, or text format with `as_text`);
/// `sl::data_loss` when they are not one, with protobuf's line:column for text.
inline GraphDef parse_graph_def(std::string_view bytes, bool as_text = false) {
  auto m = graph_def_schema().make("tensorflow.GraphDef");
  std::string why;
  if (!detail::parse_message(bytes, as_text, *m, why))
    throw data_loss(std::string("Can't parse a GraphDef as ") + (as_text ? "text" : "binary") + " proto: " + why);
  return from_message(*m);
}

/// The GraphDef in file `path`: text format for ".pbtxt" and ".txt", binary
/// otherwise. `sl::not_found` when it is missing; `sl::data_loss` naming the
/// file (and, for text, protobuf's line:column) when it is not a GraphDef.
inline GraphDef read_graph_def(const std::filesystem::path& path) {
  const std::string bytes = detail::read_file_bytes(path);
  const bool as_text = detail::is_text_path(path);
  auto m = graph_def_schema().make("tensorflow.GraphDef");
  std::string why;
  if (!detail::parse_message(bytes, as_text, *m, why))
    throw data_loss("Can't parse " + path.string() + " as " + (as_text ? "text" : "binary") + " proto: " + why);
  return from_message(*m);
}

namespace train {

/// Writes `def` to `logdir / name` (creating `logdir`), in text format with
/// `as_text`; returns the path, as TF's tf.io.write_graph. The file appears
/// whole or not at all: it is written under a temporary name and renamed.
inline std::string write_graph(const GraphDef& def, const std::filesystem::path& logdir, const std::string& name,
                               bool as_text = true) {
  std::error_code ec;
  std::filesystem::create_directories(logdir, ec);
  if (ec) throw permission_denied("Cannot create the directory " + logdir.string() + ": " + ec.message());
  const std::filesystem::path path = logdir / name;
  detail::atomic_file f(path);
  f.write(serialize_graph_def(def, as_text));
  f.commit();
  return path.string();
}

}  // namespace train

}  // namespace sessionlib
