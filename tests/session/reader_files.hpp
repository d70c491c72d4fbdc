// Test files for the reader tests: a fresh temporary directory, and files
// written as TF writes them (TFRecord framing: little-endian uint64 length,
// masked CRC-32C of the length, data, masked CRC-32C of the data).
#pragma once

#include <sessionlib/core/crc32c.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>
#include <unistd.h>
#include <zlib.h>

#include "message_of.hpp"

namespace reader_test {

using session_test::message_of;

/// The parts appended in order. (g++ 12 -O3 reports a false -Wrestrict inside
/// `"literal" + std::string&&`, GCC bug 105329: tests build strings with this.)
template <class... P>
std::string cat(const P&... parts) {
  std::string out;
  (out.append(parts), ...);
  return out;
}

/// A directory removed when the object dies.
struct temp_dir {
  std::filesystem::path path;
  explicit temp_dir(const std::string& tag) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           cat("sl_", tag, "_", std::to_string(::getpid()), "_", std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  /// Writes `bytes` to file `name` in the directory; returns its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    const auto p = path / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
};

inline std::string le(std::uint64_t v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

/// One TFRecord, framed as TF's RecordWriter frames it.
inline std::string tf_record(const std::string& data) {
  namespace c = sessionlib::crc32c;
  const std::string len = le(data.size(), 8);
  return len + le(c::mask(c::value(len)), 4) + data + le(c::mask(c::value(data)), 4);
}

inline std::string tf_records(const std::vector<std::string>& records) {
  std::string out;
  for (const auto& r : records) out += tf_record(r);
  return out;
}

inline std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

/// An IDX file of unsigned bytes (data/idx.hpp's format): its header for `dims`, then `data`.
inline std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::string& data) {
  std::string out{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (auto d : dims) out += be32(d);
  return out + data;
}

/// `bytes` gzip'd into file `name` of `dir`; returns its path ("" if zlib failed).
inline std::string write_gz(const temp_dir& dir, const std::string& name, const std::string& bytes) {
  const std::string p = (dir.path / name).string();
  gzFile f = gzopen(p.c_str(), "wb");
  if (!f) return "";
  const int wrote = gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  return gzclose(f) == Z_OK && wrote == static_cast<int>(bytes.size()) ? p : "";
}

/// An IDX file of n labels: label i is i % 10.
inline std::string idx_labels(int n) {
  std::string data;
  for (int i = 0; i < n; ++i) data += static_cast<char>(i % 10);
  return idx_bytes({static_cast<std::uint32_t>(n)}, data);
}

}  // namespace reader_test
