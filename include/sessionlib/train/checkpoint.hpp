// The checkpoint format. A checkpoint with prefix "dir/model.ckpt-100" is
//   dir/model.ckpt-100.index          text: one line per tensor (name, dtype,
//                                     shape, CRC-32 of the payload, file), then
//                                     a line with the count and the CRC-32 of
//                                     everything above it
//   dir/model.ckpt-100.data-<n>/*.npy one .npy file per tensor
// and the directory's `checkpoint` state file names the latest checkpoints
// (TF's text format). The index is written after the data and the state file
// last, each atomically, so the index is the commit point of a save and a
// failed save leaves every earlier checkpoint as it was.
#pragma once

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../config.hpp"
#include "../core/checked.hpp"
#include "npy.hpp"

namespace sessionlib::train {

/// One tensor of a checkpoint, as its index lists it.
struct checkpoint_entry {
  std::string name;        // the variable's name ("dense/w")
  sessionlib::dtype type;  // its dtype
  dims shape;              // its shape
  std::uint32_t crc = 0;   // CRC-32 (zlib) of the .npy payload
  std::string file;        // the .npy file, relative to the checkpoint's directory
};

/// The `checkpoint` state file of a directory (TF's CheckpointState).
struct checkpoint_state {
  std::string model_checkpoint_path;                   // the latest checkpoint
  std::vector<std::string> all_model_checkpoint_paths;  // the kept ones, oldest first
};

namespace detail {

inline constexpr std::string_view index_magic = "sessionlib checkpoint v1\n";

#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE std::filesystem::path index_path(const std::filesystem::path& prefix) {
  auto p = prefix;
  p += ".index";
  return p;
}

SESSIONLIB_INLINE std::string hex32(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

/// A file name for tensor `name`: '/' becomes '.', other unusual characters '_'.
SESSIONLIB_INLINE std::string npy_file_name(std::string_view name) {
  std::string s;
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    s += c == '/' ? '.' : plain ? c : '_';
  }
  return s;
}

/// The text of an index listing `entries`.
SESSIONLIB_INLINE std::string format_index(const std::vector<checkpoint_entry>& entries) {
  std::string s(index_magic);
  s += "# name\tdtype\tshape\tcrc32\tfile\n";
  for (const auto& e : entries)
    s += e.name + "\t" + std::string(dtype_name(e.type)) + "\t" + to_string(e.shape) + "\t" + hex32(e.crc) + "\t" + e.file + "\n";
  s += "end\t" + std::to_string(entries.size()) + "\t" + hex32(crc32(s.data(), s.size())) + "\n";
  return s;
}

/// Parses "(784, 256)", "(10,)" or "()"; false when malformed, a dimension
/// has more digits than a size_t holds, or the rank is above 8.
SESSIONLIB_INLINE bool parse_dims(std::string_view s, dims& d) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
  s = s.substr(1, s.size() - 2);
  d = dims{};
  std::size_t v = 0;
  bool digits = false, gap = false;  // gap: a space after digits, so "(7 84)" is not 784
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      if (gap) return false;
      if (__builtin_mul_overflow(v, std::size_t{10}, &v) || __builtin_add_overflow(v, static_cast<std::size_t>(c - '0'), &v)) return false;
      digits = true;
    } else if (c == ',') {
      if (!digits || d.size() == dims::max_rank) return false;
      d.push_back(v), v = 0, digits = gap = false;
    } else if (c == ' ') {
      gap = digits;
    } else {
      return false;
    }
  }
  if (digits) {
    if (d.size() == dims::max_rank) return false;
    d.push_back(v);
  }
  return true;
}

/// Parses exactly 8 hex digits (as hex32 writes them); false otherwise.
SESSIONLIB_INLINE bool parse_hex32(std::string_view s, std::uint32_t& out) {
  if (s.size() != 8) return false;
  out = 0;
  for (char c : s) {
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) return false;
    out = out << 4 | static_cast<std::uint32_t>(v);
  }
  return true;
}

/// Parses a decimal count without sign, spaces or leading zeros; false otherwise.
SESSIONLIB_INLINE bool parse_count(std::string_view s, std::size_t& out) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s.front() == '0')) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

SESSIONLIB_INLINE std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0;;) {
    const auto tab = line.find('\t', at);
    out.push_back(line.substr(at, tab == std::string_view::npos ? std::string_view::npos : tab - at));
    if (tab == std::string_view::npos) return out;
    at = tab + 1;
  }
}

SESSIONLIB_INLINE bool dtype_from_name(std::string_view s, sessionlib::dtype& t) {
  for (auto c : {dtype::float32, dtype::float64, dtype::int32, dtype::int64, dtype::uint8, dtype::bool_})
    if (s == dtype_name(c)) return t = c, true;
  return false;
}

SESSIONLIB_INLINE std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw not_found("Unsuccessful TensorSliceReader constructor: Failed to find any matching files for " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Parses an index; sl::data_loss naming the file (and the line, when one line
/// is at fault) when it is damaged. The end line's checksum is verified before
/// any other line is read, so a damaged line is reported as damage, never
/// parsed; every entry's byte size is checked, so a restore can trust it.
SESSIONLIB_INLINE std::vector<checkpoint_entry> parse_index(std::string_view text, const std::filesystem::path& path) {
  auto bad = [&](const std::string& why) { return data_loss("Corrupted checkpoint index '" + path.string() + "': " + why); };
  if (text.substr(0, index_magic.size()) != index_magic) throw bad("not a sessionlib checkpoint index");
  // 1. Verify: the last line is "end\t<count>\t<crc32 of everything before it>".
  if (text.size() == index_magic.size() || text.back() != '\n') throw bad("truncated (no end line)");
  const std::size_t end_start = text.rfind('\n', text.size() - 2) + 1;  // the magic ends in '\n': found
  const auto end = split_tabs(text.substr(end_start, text.size() - 1 - end_start));
  if (end.size() != 3 || end[0] != "end") throw bad("truncated (no end line)");
  std::size_t count = 0;
  std::uint32_t crc = 0;
  if (!parse_count(end[1], count) || !parse_hex32(end[2], crc)) throw bad("malformed end line");
  if (crc != crc32(text.data(), end_start)) throw bad("checksum mismatch");

  // 2. Parse the lines between the magic and the end line.
  std::vector<checkpoint_entry> entries;
  std::size_t line_no = 1;  // the magic
  for (std::size_t at = index_magic.size(); at < end_start;) {
    const auto nl = text.find('\n', at);  // < end_start: the end line starts after a '\n'
    const std::string_view line = text.substr(at, nl - at);
    at = nl + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto bad_line = [&](const std::string& why) {
      return data_loss("Corrupted checkpoint index '" + path.string() + "' line " + std::to_string(line_no) + ": " + why);
    };
    const auto f = split_tabs(line);
    if (f.size() != 5) throw bad_line("expected 5 tab-separated fields, found " + std::to_string(f.size()));
    checkpoint_entry e;
    e.name = f[0];
    if (e.name.empty()) throw bad_line("empty tensor name");
    const std::string tensor = "tensor '" + e.name + "': ";
    if (!dtype_from_name(f[1], e.type)) throw bad_line(tensor + "unknown dtype '" + std::string(f[1]) + "'");
    if (!parse_dims(f[2], e.shape)) throw bad_line(tensor + "malformed shape '" + std::string(f[2]) + "'");
    if (!parse_hex32(f[3], e.crc)) throw bad_line(tensor + "crc32 field '" + std::string(f[3]) + "' is not 8 hex digits");
    if (f[4].empty()) throw bad_line(tensor + "empty file name");
    e.file = f[4];
    // The byte size a restore will read and allocate must exist.
    const std::string where = "Corrupted checkpoint index '" + path.string() + "' line " + std::to_string(line_no) + " (tensor '" + e.name + "')";
    checked_shape_bytes<data_loss>(e.shape, dtype_size(e.type), where);
    entries.push_back(std::move(e));
  }
  if (entries.size() != count) throw bad("it lists " + std::to_string(entries.size()) + " tensors, its end line " + std::string(end[1]));
  return entries;
}

/// The data directories `<prefix>.data-<n>` that exist, as (n, path).
SESSIONLIB_INLINE std::vector<std::pair<std::size_t, std::filesystem::path>> data_dirs(const std::filesystem::path& prefix) {
  std::vector<std::pair<std::size_t, std::filesystem::path>> out;
  const auto dir = prefix.parent_path().empty() ? std::filesystem::path(".") : prefix.parent_path();
  const std::string stem = prefix.filename().string() + ".data-";
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = d.path().filename().string();
    if (name.size() <= stem.size() || name.compare(0, stem.size(), stem) != 0) continue;
    const std::string digits = name.substr(stem.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) || digits.size() > 9) continue;
    out.emplace_back(std::stoul(digits), d.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

SESSIONLIB_INLINE std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
#else
SESSIONLIB_DECLARE std::filesystem::path index_path(const std::filesystem::path& prefix);
SESSIONLIB_DECLARE std::string hex32(std::uint32_t v);
SESSIONLIB_DECLARE std::string npy_file_name(std::string_view name);
SESSIONLIB_DECLARE std::string format_index(const std::vector<checkpoint_entry>& entries);
SESSIONLIB_DECLARE bool parse_dims(std::string_view s, dims& d);
SESSIONLIB_DECLARE bool parse_hex32(std::string_view s, std::uint32_t& out);
SESSIONLIB_DECLARE bool parse_count(std::string_view s, std::size_t& out);
SESSIONLIB_DECLARE std::vector<std::string_view> split_tabs(std::string_view line);
SESSIONLIB_DECLARE bool dtype_from_name(std::string_view s, sessionlib::dtype& t);
SESSIONLIB_DECLARE std::string read_text_file(const std::filesystem::path& path);
SESSIONLIB_DECLARE std::vector<checkpoint_entry> parse_index(std::string_view text, const std::filesystem::path& path);
SESSIONLIB_DECLARE std::vector<std::pair<std::size_t, std::filesystem::path>> data_dirs(const std::filesystem::path& prefix);
SESSIONLIB_DECLARE std::string quote(const std::string& s);
#endif

}  // namespace detail

#if SESSIONLIB_DEFINITIONS
/// The entries of the checkpoint at `prefix` (TF's tf.train.list_variables,
/// with dtypes and checksums). sl::not_found if it has no index; sl::data_loss if damaged.
SESSIONLIB_INLINE std::vector<checkpoint_entry> read_checkpoint_index(const std::filesystem::path& prefix) {
  const auto path = detail::index_path(prefix);
  return detail::parse_index(detail::read_text_file(path), path);
}

/// Writes the index of the checkpoint at `prefix`, atomically.
SESSIONLIB_INLINE void write_checkpoint_index(const std::filesystem::path& prefix, const std::vector<checkpoint_entry>& entries) {
  for (const auto& e : entries)
    if (e.name.find_first_of("\t\n") != std::string::npos || e.file.find_first_of("\t\n") != std::string::npos)
      throw invalid_argument("Cannot save a tensor whose name contains a tab or newline: '" + e.name + "'", e.name);
  detail::atomic_file f(detail::index_path(prefix));
  f.write(detail::format_index(entries));
  f.commit();
}

/// Reads and verifies tensor `e` of the checkpoint at `prefix`: sl::not_found
/// naming the file when it is missing; sl::data_loss naming it when it is
/// truncated, its header is bad or disagrees with the index, or its CRC differs.
SESSIONLIB_INLINE any_array load_checkpoint_tensor(const std::filesystem::path& prefix, const checkpoint_entry& e) {
  const auto path = prefix.parent_path() / e.file;
  std::uint32_t crc = 0;
  any_array a;
  try {
    a = detail::read_npy_file(path, &crc);
  } catch (const data_loss& err) {  // a damaged header (an absurd shape...) names the tensor too
    throw data_loss(std::string(err.what()) + " (tensor '" + e.name + "')");
  }
  if (a.dtype() != e.type || !(a.shape() == e.shape))
    throw data_loss("Checkpoint data file '" + path.string() + "' holds " + std::string(dtype_name(a.dtype())) + " " +
                    to_string(a.shape()) + ", but the index lists " + std::string(dtype_name(e.type)) + " " +
                    to_string(e.shape) + " for '" + e.name + "'");
  if (crc != e.crc)
    throw data_loss("Checksum mismatch in checkpoint data file '" + path.string() + "' (tensor '" + e.name + "'): expected crc32 " +
                    detail::hex32(e.crc) + ", got " + detail::hex32(crc));
  return a;
}

/// The value of tensor `name` in the checkpoint at `prefix` (TF's tf.train.load_variable).
SESSIONLIB_INLINE any_array load_variable(const std::filesystem::path& prefix, std::string_view name) {
  for (const auto& e : read_checkpoint_index(prefix))
    if (e.name == name) return load_checkpoint_tensor(prefix, e);
  throw not_found("Key " + std::string(name) + " not found in checkpoint " + prefix.string(), std::string(name));
}

/// True when the checkpoint at `prefix` has an index (TF's checkpoint_exists).
SESSIONLIB_INLINE bool checkpoint_exists(const std::filesystem::path& prefix) {
  std::error_code ec;
  return std::filesystem::is_regular_file(detail::index_path(prefix), ec);
}

/// Deletes the checkpoint at `prefix`: its index and every data directory.
SESSIONLIB_INLINE void remove_checkpoint(const std::filesystem::path& prefix) {
  std::error_code ec;
  std::filesystem::remove(detail::index_path(prefix), ec);  // first: the checkpoint is gone as a whole
  for (const auto& [n, dir] : detail::data_dirs(prefix)) std::filesystem::remove_all(dir, ec);
}

/// Reads `dir/checkpoint`; nullopt when there is none. sl::data_loss if it is malformed.
SESSIONLIB_INLINE std::optional<checkpoint_state> get_checkpoint_state(const std::filesystem::path& dir) {
  const auto path = dir / "checkpoint";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::istringstream in(detail::read_text_file(path));
  checkpoint_state st;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto colon = line.find(": \"");
    if (colon == std::string::npos || line.back() != '"') throw data_loss("Corrupted checkpoint state file '" + path.string() + "'");
    const std::string key = line.substr(0, colon);
    std::string value;
    for (std::size_t i = colon + 3; i + 1 < line.size(); ++i) {
      if (line[i] == '\\' && i + 2 < line.size()) ++i;
      value += line[i];
    }
    if (key == "model_checkpoint_path") st.model_checkpoint_path = value;
    else if (key == "all_model_checkpoint_paths") st.all_model_checkpoint_paths.push_back(value);
    else throw data_loss("Corrupted checkpoint state file '" + path.string() + "': unknown key " + key);
  }
  return st;
}

/// Writes `dir/checkpoint` atomically. Paths inside `dir` are stored relative to it.
SESSIONLIB_INLINE void update_checkpoint_state(const std::filesystem::path& dir, const checkpoint_state& st) {
  auto rel = [&](const std::string& p) {
    const std::filesystem::path path(p);
    return path.parent_path() == dir ? path.filename().string() : p;
  };
  std::string text = "model_checkpoint_path: " + detail::quote(rel(st.model_checkpoint_path)) + "\n";
  for (const auto& p : st.all_model_checkpoint_paths) text += "all_model_checkpoint_paths: " + detail::quote(rel(p)) + "\n";
  detail::atomic_file f(dir / "checkpoint");
  f.write(text);
  f.commit();
}

/// The prefix of the latest checkpoint in `dir` (from its `checkpoint` state
/// file), or nullopt when there is none or its index is missing (TF's
/// tf.train.latest_checkpoint).
SESSIONLIB_INLINE std::optional<std::string> latest_checkpoint(const std::filesystem::path& dir) {
  const auto st = get_checkpoint_state(dir);
  if (!st || st->model_checkpoint_path.empty()) return std::nullopt;
  std::filesystem::path p(st->model_checkpoint_path);
  if (p.is_relative()) p = dir / p;
  if (!checkpoint_exists(p)) return std::nullopt;
  return p.string();
}
#else
SESSIONLIB_DECLARE std::vector<checkpoint_entry> read_checkpoint_index(const std::filesystem::path& prefix);
SESSIONLIB_DECLARE void write_checkpoint_index(const std::filesystem::path& prefix, const std::vector<checkpoint_entry>& entries);
SESSIONLIB_DECLARE any_array load_checkpoint_tensor(const std::filesystem::path& prefix, const checkpoint_entry& e);
SESSIONLIB_DECLARE any_array load_variable(const std::filesystem::path& prefix, std::string_view name);
SESSIONLIB_DECLARE bool checkpoint_exists(const std::filesystem::path& prefix);
SESSIONLIB_DECLARE void remove_checkpoint(const std::filesystem::path& prefix);
SESSIONLIB_DECLARE std::optional<checkpoint_state> get_checkpoint_state(const std::filesystem::path& dir);
SESSIONLIB_DECLARE void update_checkpoint_state(const std::filesystem::path& dir, const checkpoint_state& st);
SESSIONLIB_DECLARE std::optional<std::string> latest_checkpoint(const std::filesystem::path& dir);
#endif

}  // namespace sessionlib::train
