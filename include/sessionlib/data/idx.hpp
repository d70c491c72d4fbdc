// Reading IDX files (the MNIST / Fashion-MNIST format), gzip'd or plain: a
// big-endian header (two zero bytes, a type code, the rank, one 32-bit size
// per dimension) followed by the values. zlib's gzread reads both forms. The
// header is input: its size is checked, and nothing is allocated for data
// that has not arrived (a plain file's size is known; a gzip stream is read
// in chunks), so a 16-byte file cannot claim gigabytes.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

#include "../config.hpp"
#include "../core/checked.hpp"
#include "../core/error.hpp"
#include "../core/xtensor.hpp"

namespace sessionlib::data {

namespace detail {
struct gz_file {
  gzFile f = nullptr;
  ~gz_file() {
    if (f) gzclose(f);
  }
};

#if SESSIONLIB_DEFINITIONS
// Reads exactly n bytes; sl::data_loss naming the file when it ends early or is corrupt.
SESSIONLIB_INLINE void gz_read_exact(gzFile f, void* out, std::size_t n, const std::filesystem::path& path, std::string_view what) {
  auto* p = static_cast<char*>(out);
  while (n > 0) {
    const unsigned chunk = n > (1u << 30) ? (1u << 30) : static_cast<unsigned>(n);
    const int got = gzread(f, p, chunk);
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      throw data_loss("Corrupted IDX file '" + path.string() + "' while reading its " + std::string(what) + ": " + (msg ? msg : "gzip error"));
    }
    if (got == 0) throw data_loss("Truncated IDX file '" + path.string() + "': it ends inside its " + std::string(what));
    p += got;
    n -= static_cast<std::size_t>(got);
  }
}

// The `count` data bytes of a gzip stream, read in chunks that grow with what
// has arrived (1 MiB, then as much again as has been read), never more than
// that: the claimed size is not allocated until the data is there.
SESSIONLIB_INLINE std::vector<std::vector<std::uint8_t>> gz_read_chunks(gzFile f, std::size_t count, const std::filesystem::path& path) {
  std::vector<std::vector<std::uint8_t>> chunks;
  std::size_t got = 0;
  while (got < count) {
    const std::size_t want = std::min(count - got, std::max<std::size_t>(got, 1 << 20));
    auto& chunk = chunks.emplace_back(want);
    std::size_t n = 0;
    while (n < want) {
      const unsigned ask = static_cast<unsigned>(std::min<std::size_t>(want - n, 1u << 30));
      const int r = gzread(f, chunk.data() + n, ask);
      if (r < 0) {
        int code = 0;
        const char* msg = gzerror(f, &code);
        throw data_loss("Corrupted IDX file '" + path.string() + "' while reading its data: " + (msg ? msg : "gzip error"));
      }
      if (r == 0)
        throw data_loss("Truncated IDX file '" + path.string() + "': it ends inside its data (its header claims " + std::to_string(count) +
                        " bytes of data, the stream holds " + std::to_string(got + n) + ")");
      n += static_cast<std::size_t>(r);
    }
    got += n;
  }
  return chunks;
}
#else
SESSIONLIB_DECLARE void gz_read_exact(gzFile f, void* out, std::size_t n, const std::filesystem::path& path, std::string_view what);
SESSIONLIB_DECLARE std::vector<std::vector<std::uint8_t>> gz_read_chunks(gzFile f, std::size_t count, const std::filesystem::path& path);
#endif
}  // namespace detail

/// Reads an IDX file of unsigned bytes (type code 0x08) and rank N, gzip'd or
/// plain: `read_idx<3>("train-images-idx3-ubyte.gz")` is an
/// `xt::xtensor<std::uint8_t, 3>` of shape (60000, 28, 28). sl::not_found when
/// the file is missing; sl::data_loss when it is not IDX, has another type or
/// rank, is truncated, has trailing bytes or fails gzip's checks.
template <std::size_t N>
xt::xtensor<std::uint8_t, N> read_idx(const std::filesystem::path& path) {
  static_assert(N >= 1 && N <= 8, "sessionlib: read_idx: the rank must be 1 to 8");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw not_found("IDX file not found: '" + path.string() + "'");
  detail::gz_file file;
  file.f = gzopen(path.c_str(), "rb");
  if (!file.f) throw not_found("Cannot open IDX file '" + path.string() + "'");
  gzbuffer(file.f, 1 << 17);

  unsigned char magic[4];
  detail::gz_read_exact(file.f, magic, 4, path, "header");
  if (magic[0] != 0 || magic[1] != 0) throw data_loss("Not an IDX file: '" + path.string() + "' (bad magic number)");
  if (magic[2] != 0x08)
    throw data_loss("IDX file '" + path.string() + "' holds type code 0x" + std::string{"0123456789abcdef"[magic[2] >> 4]} +
                    "0123456789abcdef"[magic[2] & 15] + ", not unsigned bytes (0x08)");
  if (magic[3] != N)
    throw data_loss("IDX file '" + path.string() + "' has rank " + std::to_string(magic[3]) + ", not " + std::to_string(N));

  std::array<std::size_t, N> shape{};
  for (std::size_t i = 0; i < N; ++i) {
    unsigned char b[4];
    detail::gz_read_exact(file.f, b, 4, path, "header");
    shape[i] = std::size_t{b[0]} << 24 | std::size_t{b[1]} << 16 | std::size_t{b[2]} << 8 | std::size_t{b[3]};
  }
  const std::string where = "Corrupted IDX file '" + path.string() + "'";
  // Also when an extent is 0: xtensor's strides multiply the others (checked.hpp).
  const std::size_t count = checked_elements<data_loss>(shape, where);
  xt::xtensor<std::uint8_t, N> out;
  if (gzdirect(file.f)) {  // a plain file: its size says whether the data is all there
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    const std::uintmax_t header = 4 + 4 * N;
    if (ec) throw data_loss("Cannot read the size of IDX file '" + path.string() + "': " + ec.message());
    if (size < header + count)
      throw data_loss("Truncated IDX file '" + path.string() + "': it ends inside its data (its header claims " + std::to_string(count) +
                      " bytes of data, the file holds " + std::to_string(size - header) + ")");
    if (size > header + count) throw data_loss("IDX file '" + path.string() + "' has bytes past its data");
    out = xt::xtensor<std::uint8_t, N>(shape);
    detail::gz_read_exact(file.f, out.data(), count, path, "data");
  } else {
    const auto chunks = detail::gz_read_chunks(file.f, count, path);
    out = xt::xtensor<std::uint8_t, N>(shape);
    std::uint8_t* to = out.data();
    for (const auto& c : chunks) to = std::copy(c.begin(), c.end(), to);
  }
  char extra;
  if (gzread(file.f, &extra, 1) != 0) throw data_loss("IDX file '" + path.string() + "' has bytes past its data");
  int code = Z_OK;
  const char* msg = gzerror(file.f, &code);  // a damaged gzip trailer shows only at the end
  if (code != Z_OK) throw data_loss("Corrupted IDX file '" + path.string() + "': " + (msg ? msg : "gzip error"));
  return out;
}

/// The four arrays of an MNIST-style data set.
struct mnist_data {
  xt::xtensor<std::uint8_t, 3> train_images;  // (60000, 28, 28)
  xt::xtensor<std::uint8_t, 1> train_labels;  // (60000,)
  xt::xtensor<std::uint8_t, 3> test_images;   // (10000, 28, 28)
  xt::xtensor<std::uint8_t, 1> test_labels;   // (10000,)
};

/// Where Debian's `dataset-fashion-mnist` package puts Fashion-MNIST.
inline const std::filesystem::path fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";

/// Fashion-MNIST's class names, by label.
inline constexpr std::array<std::string_view, 10> fashion_mnist_classes{
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

#if SESSIONLIB_DEFINITIONS
/// Loads `{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]` from `dir` (the
/// layout of MNIST and Fashion-MNIST). sl::not_found, saying how to get the
/// data, when a file is missing; sl::data_loss when one is damaged or the
/// image and label counts differ.
SESSIONLIB_INLINE mnist_data load_mnist(const std::filesystem::path& dir = fashion_mnist_dir) {
  auto find = [&](const std::string& base) {
    for (const char* ext : {".gz", ""}) {
      auto p = dir / (base + ext);
      std::error_code ec;
      if (std::filesystem::is_regular_file(p, ec)) return p;
    }
    throw not_found("Fashion-MNIST file '" + (dir / (base + ".gz")).string() +
                    "' not found: install the data set with `apt-get install dataset-fashion-mnist`, "
                    "or pass the directory that holds it");
  };
  mnist_data d{read_idx<3>(find("train-images-idx3-ubyte")), read_idx<1>(find("train-labels-idx1-ubyte")),
               read_idx<3>(find("t10k-images-idx3-ubyte")), read_idx<1>(find("t10k-labels-idx1-ubyte"))};
  if (d.train_images.shape(0) != d.train_labels.shape(0) || d.test_images.shape(0) != d.test_labels.shape(0))
    throw data_loss("The image and label files in '" + dir.string() + "' hold different numbers of examples");
  return d;
}
#else
SESSIONLIB_DECLARE mnist_data load_mnist(const std::filesystem::path& dir = fashion_mnist_dir);
#endif

}  // namespace sessionlib::data
