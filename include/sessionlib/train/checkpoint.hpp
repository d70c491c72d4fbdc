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

inline std::filesystem::path index_path(const std::filesystem::path& prefix) {
  auto p = prefix;
  p += ".index";
  return p;
}

inline std::string hex32(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

/// A file name for tensor `name`: '/' becomes '.', other unusual characters '_'.
inline std::string npy_file_name(std::string_view name) {
  std::string s;
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    s += c == '/' ? '.' : plain ? c : '_';
  }
  return s;
}

/// The text of an index listing `entries`.
inline std::string format_index(const std::vector<checkpoint_entry>& entries) {
  std::string s(index_magic);
  s += "# name\tdtype\tshape\tcrc32\tfile\n";
  for (const auto& e : entries)
    s += e.name + "\t" + std::string(dtype_name(e.type)) + "\t" + to_string(e.shape) + "\t" + hex32(e.crc) + "\t" + e.file + "\n";
  s += "end\t" + std::to_string(entries.size()) + "\t" + hex32(crc32(s.data(), s.size())) + "\n";
  return s;
}

inline bool parse_dims(std::string_view s, dims& d) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
  s = s.substr(1, s.size() - 2);
  d = dims{};
  std::size_t v = 0;
  bool digits = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') v = v * 10 + static_cast<std::size_t>(c - '0'), digits = true;
    else if (c == ',') {
      if (!digits || d.size() == dims::max_rank) return false;
      d.push_back(v), v = 0, digits = false;
    } else if (c != ' ') return false;
  }
  if (digits) {
    if (d.size() == dims::max_rank) return false;
    d.push_back(v);
  }
  return true;
}

inline std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0;;) {
    const auto tab = line.find('\t', at);
    out.push_back(line.substr(at, tab == std::string_view::npos ? std::string_view::npos : tab - at));
    if (tab == std::string_view::npos) return out;
    at = tab + 1;
  }
}

inline bool dtype_from_name(std::string_view s, sessionlib::dtype& t) {
  for (auto c : {dtype::float32, dtype::float64, dtype::int32, dtype::int64, dtype::uint8, dtype::bool_})
    if (s == dtype_name(c)) return t = c, true;
  return false;
}

inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw not_found("Unsuccessful TensorSliceReader constructor: Failed to find any matching files for " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Parses an index; sl::data_loss naming the file when it is damaged.
inline std::vector<checkpoint_entry> parse_index(std::string_view text, const std::filesystem::path& path) {
  auto bad = [&](const std::string& why) { return data_loss("Corrupted checkpoint index '" + path.string() + "': " + why); };
  if (text.substr(0, index_magic.size()) != index_magic) throw bad("not a sessionlib checkpoint index");
  std::vector<checkpoint_entry> entries;
  std::size_t at = index_magic.size();
  while (true) {
    const auto nl = text.find('\n', at);
    if (nl == std::string_view::npos) throw bad("truncated (no end line)");
    const std::string_view line = text.substr(at, nl - at);
    const std::size_t line_start = at;
    at = nl + 1;
    if (line.empty() || line.front() == '#') continue;
    const auto f = split_tabs(line);
    if (f.size() == 3 && f[0] == "end") {
      if (f[1] != std::to_string(entries.size())) throw bad("it lists " + std::to_string(entries.size()) + " tensors, its end line " + std::string(f[1]));
      if (f[2] != hex32(crc32(text.data(), line_start))) throw bad("checksum mismatch");
      if (at != text.size()) throw bad("trailing bytes after the end line");
      return entries;
    }
    checkpoint_entry e;
    if (f.size() != 5 || f[0].empty() || !dtype_from_name(f[1], e.type) || !parse_dims(f[2], e.shape) || f[3].size() != 8 || f[4].empty())
      throw bad("malformed line '" + std::string(line) + "'");
    e.name = f[0];
    e.crc = static_cast<std::uint32_t>(std::stoul(std::string(f[3]), nullptr, 16));
    e.file = f[4];
    entries.push_back(std::move(e));
  }
}

/// The data directories `<prefix>.data-<n>` that exist, as (n, path).
inline std::vector<std::pair<std::size_t, std::filesystem::path>> data_dirs(const std::filesystem::path& prefix) {
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

inline std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace detail

/// The entries of the checkpoint at `prefix` (TF's tf.train.list_variables,
/// with dtypes and checksums). sl::not_found if it has no index; sl::data_loss if damaged.
inline std::vector<checkpoint_entry> read_checkpoint_index(const std::filesystem::path& prefix) {
  const auto path = detail::index_path(prefix);
  return detail::parse_index(detail::read_text_file(path), path);
}

/// Writes the index of the checkpoint at `prefix`, atomically.
inline void write_checkpoint_index(const std::filesystem::path& prefix, const std::vector<checkpoint_entry>& entries) {
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
inline any_array load_checkpoint_tensor(const std::filesystem::path& prefix, const checkpoint_entry& e) {
  const auto path = prefix.parent_path() / e.file;
  std::uint32_t crc = 0;
  any_array a = detail::read_npy_file(path, &crc);
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
inline any_array load_variable(const std::filesystem::path& prefix, std::string_view name) {
  for (const auto& e : read_checkpoint_index(prefix))
    if (e.name == name) return load_checkpoint_tensor(prefix, e);
  throw not_found("Key " + std::string(name) + " not found in checkpoint " + prefix.string(), std::string(name));
}

/// True when the checkpoint at `prefix` has an index (TF's checkpoint_exists).
inline bool checkpoint_exists(const std::filesystem::path& prefix) {
  std::error_code ec;
  return std::filesystem::is_regular_file(detail::index_path(prefix), ec);
}

/// Deletes the checkpoint at `prefix`: its index and every data directory.
inline void remove_checkpoint(const std::filesystem::path& prefix) {
  std::error_code ec;
  std::filesystem::remove(detail::index_path(prefix), ec);  // first: the checkpoint is gone as a whole
  for (const auto& [n, dir] : detail::data_dirs(prefix)) std::filesystem::remove_all(dir, ec);
}

/// Reads `dir/checkpoint`; nullopt when there is none. sl::data_loss if it is malformed.
inline std::optional<checkpoint_state> get_checkpoint_state(const std::filesystem::path& dir) {
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
inline void update_checkpoint_state(const std::filesystem::path& dir, const checkpoint_state& st) {
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
inline std::optional<std::string> latest_checkpoint(const std::filesystem::path& dir) {
  const auto st = get_checkpoint_state(dir);
  if (!st || st->model_checkpoint_path.empty()) return std::nullopt;
  std::filesystem::path p(st->model_checkpoint_path);
  if (p.is_relative()) p = dir / p;
  if (!checkpoint_exists(p)) return std::nullopt;
  return p.string();
}

}  // namespace sessionlib::train
