// Fuzz target: the IDX reader (sl::data::read_idx), at the rank the input's
// header names, on the input as a file and on the input gzip'd (so the gzip
// path sees arbitrary content, not only what mutations of a compressed seed
// leave intact). What reads must hold exactly the bytes after the header.
#include <cstring>

#include <zlib.h>

#include <sessionlib/data/idx.hpp>

#include "fuzz_common.hpp"

namespace sl = sessionlib;

namespace {

template <std::size_t N>
void read_as(const std::string& path, std::string_view plain) {
  try {
    const auto x = sl::data::read_idx<N>(path);
    const std::size_t header = 4 + 4 * N;
    SESSIONLIB_FUZZ_ASSERT(plain.size() == header + x.size());
    SESSIONLIB_FUZZ_ASSERT(x.size() == 0 || std::memcmp(x.data(), plain.data() + header, x.size()) == 0);
  } catch (const sl::error&) {
  }
}

void read(const std::string& path, std::string_view plain, unsigned rank) {
  switch (rank) {
    case 2: return read_as<2>(path, plain);
    case 3: return read_as<3>(path, plain);
    case 4: return read_as<4>(path, plain);
    case 5: return read_as<5>(path, plain);
    case 8: return read_as<8>(path, plain);
    default: return read_as<1>(path, plain);
  }
}

std::string gzip(std::string_view bytes) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static sessionlib_fuzz::memory_file file("fuzz.idx");
  const std::string_view bytes = sessionlib_fuzz::as_text(data, size);
  const unsigned rank = size > 3 ? data[3] : 1;
  // As it is: a plain IDX file, or (for gzip'd seeds) a gzip stream whose
  // content the check cannot know, so compare nothing then.
  const bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  if (gz) {
    const std::string& path = file.hold(bytes);
    try {
      (void)sl::data::read_idx<1>(path);
    } catch (const sl::error&) {
    }
    try {
      (void)sl::data::read_idx<3>(path);  // the rank is inside the stream: try MNIST's two
    } catch (const sl::error&) {
    }
  } else {
    read(file.hold(bytes), bytes, rank);
    read(file.hold(gzip(bytes)), bytes, rank);
  }
  return 0;
}
