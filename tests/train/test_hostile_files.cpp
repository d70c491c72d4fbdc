// Hostile files (issue 11): crafted checkpoint indexes, .npy and IDX headers
// that claim absurd shapes or hold malformed fields. Every one is an sl::error
// naming the file (and the line or tensor), never a crash, a wrapped size, an
// allocation taken from the header, or an exception from outside sessionlib.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include <sessionlib/data/idx.hpp>
#include <sessionlib/train/checkpoint.hpp>

#include "temp_dir.hpp"

namespace sl = sessionlib;
namespace fs = std::filesystem;
using sessionlib_test::temp_dir;

namespace {

void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void spit_gz(const fs::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  gzclose(f);
}

// An index as a save writes it, from its entry lines: magic, lines, and an end
// line whose count and CRC-32 are right, so only the lines are hostile.
std::string index_text(const std::vector<std::string>& lines, std::size_t count) {
  std::string s = "sessionlib checkpoint v1\n# name\tdtype\tshape\tcrc32\tfile\n";
  for (const auto& l : lines) s += l + "\n";
  return s + "end\t" + std::to_string(count) + "\t" + sl::train::detail::hex32(sl::train::crc32(s.data(), s.size())) + "\n";
}

// A .npy header as numpy writes it, with `dict` as its dict.
std::string npy_with_dict(std::string dict) {
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

std::string idx_header(const std::vector<std::uint32_t>& shape) {
  std::string s{'\0', '\0', '\x08', static_cast<char>(shape.size())};
  for (auto d : shape)
    for (int k = 3; k >= 0; --k) s += static_cast<char>((d >> (8 * k)) & 0xff);
  return s;
}

// Runs `f` in a child process whose address space may grow by `headroom` bytes
// at most: 0 when `f` threw sl::data_loss, 1 for std::bad_alloc, 2 otherwise.
// A reader that allocates the size a header claims fails here.
template <class F>
int in_bounded_child(std::size_t headroom, F f) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::size_t vm_kb = 0;
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmSize:", 0) == 0) vm_kb = std::stoul(line.substr(7));
    const rlim_t limit = vm_kb * 1024 + headroom;
    const rlimit r{limit, limit};
    ::setrlimit(RLIMIT_AS, &r);
    int code = 2;
    try {
      f();
    } catch (const sl::data_loss&) {
      code = 0;
    } catch (const std::bad_alloc&) {
      code = 1;
    } catch (...) {
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

}  // namespace

TEST_CASE("a checkpoint index is verified before it is parsed: a non-hex CRC field is data_loss, not std::invalid_argument") {
  temp_dir d("sl_hostile");
  const auto prefix = d.path / "model.ckpt-1";
  const auto ip = (d.path / "model.ckpt-1.index").string();

  SUBCASE("the field is damaged after the save: the checksum says so") {
    std::string text = index_text({"w\tfloat32\t(2,)\t0badc0de\tmodel.ckpt-1.data-0/w.npy"}, 1);
    text.replace(text.find("0badc0de"), 8, "zzzzzzzz");
    spit(ip, text);
    CHECK_THROWS_WITH_AS(sl::train::read_checkpoint_index(prefix), ("Corrupted checkpoint index '" + ip + "': checksum mismatch").c_str(),
                         sl::data_loss);
  }
  SUBCASE("the field was never hex (the checksum holds): the line is named") {
    spit(ip, index_text({"w\tfloat32\t(2,)\tzzzzzzzz\tmodel.ckpt-1.data-0/w.npy"}, 1));
    CHECK_THROWS_WITH_AS(sl::train::read_checkpoint_index(prefix),
                         ("Corrupted checkpoint index '" + ip + "' line 3: tensor 'w': crc32 field 'zzzzzzzz' is not 8 hex digits").c_str(),
                         sl::data_loss);
    spit(ip, index_text({"w\tfloat32\t(2,)\t-1234567\tf"}, 1));  // std::stoul took a sign
    CHECK_THROWS_AS(sl::train::read_checkpoint_index(prefix), sl::data_loss);
  }
  SUBCASE("a malformed end line") {
    std::string text = index_text({}, 0);
    text.replace(text.rfind("end\t0\t"), 6, "end\tx\t");
    spit(ip, text);
    CHECK_THROWS_WITH_AS(sl::train::read_checkpoint_index(prefix), ("Corrupted checkpoint index '" + ip + "': malformed end line").c_str(),
                         sl::data_loss);
  }
  SUBCASE("other malformed lines name their line") {
    spit(ip, index_text({"a\tfloat32\t(1,)\t00000000\ta.npy", "b\tfloat16\t(1,)\t00000000\tb.npy"}, 2));
    CHECK_THROWS_WITH_AS(sl::train::read_checkpoint_index(prefix),
                         ("Corrupted checkpoint index '" + ip + "' line 4: tensor 'b': unknown dtype 'float16'").c_str(), sl::data_loss);
    spit(ip, index_text({"a\tfloat32\t(1,)"}, 1));
    CHECK_THROWS_WITH_AS(sl::train::read_checkpoint_index(prefix),
                         ("Corrupted checkpoint index '" + ip + "' line 3: expected 5 tab-separated fields, found 3").c_str(), sl::data_loss);
    spit(ip, index_text({"a\tfloat32\t(7 84, 256)\t00000000\ta.npy"}, 1));  // read as (784, 256) before
    CHECK_THROWS_WITH_AS(sl::train::read_checkpoint_index(prefix),
                         ("Corrupted checkpoint index '" + ip + "' line 3: tensor 'a': malformed shape '(7 84, 256)'").c_str(), sl::data_loss);
    spit(ip, index_text({"a\tfloat32\t(99999999999999999999999,)\t00000000\ta.npy"}, 1));  // wrapped to a small number before
    CHECK_THROWS_WITH_AS(sl::train::read_checkpoint_index(prefix),
                         ("Corrupted checkpoint index '" + ip + "' line 3: tensor 'a': malformed shape '(99999999999999999999999,)'").c_str(),
                         sl::data_loss);
  }
}

TEST_CASE("a checkpoint whose index claims a shape too large to exist does not restore") {
  temp_dir d("sl_hostile");
  const auto prefix = d.path / "model.ckpt-1";
  const auto ip = (d.path / "model.ckpt-1.index").string();
  fs::create_directories(d.path / "model.ckpt-1.data-0");
  const auto npy = d.path / "model.ckpt-1.data-0" / "w.npy";
  const sl::dims huge{9223372036854775808ull, 2};  // 2^64 elements: wrapped to 0, so an empty payload "matched"
  spit(npy, sl::train::detail::npy_header(sl::dtype::float32, huge));
  const std::string crc = sl::train::detail::hex32(sl::train::crc32("", 0));

  SUBCASE("the index's shape") {
    spit(ip, index_text({"w\tfloat32\t(9223372036854775808, 2)\t" + crc + "\tmodel.ckpt-1.data-0/w.npy"}, 1));
    const std::string want = "Corrupted checkpoint index '" + ip + "' line 3 (tensor 'w'): shape (9223372036854775808, 2) has too many elements";
    CHECK_THROWS_WITH_AS(sl::train::read_checkpoint_index(prefix), want.c_str(), sl::data_loss);
    CHECK_THROWS_WITH_AS(sl::train::load_variable(prefix, "w"), want.c_str(), sl::data_loss);
    // Elements that fit, bytes that do not: 2^61 float32 values.
    spit(ip, index_text({"w\tfloat32\t(2305843009213693952,)\t" + crc + "\tmodel.ckpt-1.data-0/w.npy"}, 1));
    CHECK_THROWS_WITH_AS(
        sl::train::load_variable(prefix, "w"),
        ("Corrupted checkpoint index '" + ip + "' line 3 (tensor 'w'): shape (2305843009213693952,) of 4-byte elements has too many bytes").c_str(),
        sl::data_loss);
  }
  SUBCASE("a sane index, the data file's header claims the absurd shape") {
    spit(ip, index_text({"w\tfloat32\t(2, 2)\t" + crc + "\tmodel.ckpt-1.data-0/w.npy"}, 1));
    CHECK_THROWS_WITH_AS(
        sl::train::load_variable(prefix, "w"),
        ("Corrupted .npy file '" + npy.string() + "': shape (9223372036854775808, 2) has too many elements (tensor 'w')").c_str(),
        sl::data_loss);
  }
}

TEST_CASE("read_npy of a 128-byte file claiming shape (2^32, 2^32) is data_loss") {
  temp_dir d("sl_hostile");
  const auto p = d.path / "x.npy";
  spit(p, sl::train::detail::npy_header(sl::dtype::float32, sl::dims{4294967296ull, 4294967296ull}));
  REQUIRE(fs::file_size(p) == 128);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p),
                       ("Corrupted .npy file '" + p.string() + "': shape (4294967296, 4294967296) has too many elements").c_str(),
                       sl::data_loss);
  spit(p, sl::train::detail::npy_header(sl::dtype::float64, sl::dims{4294967296ull, 536870912ull}));  // 2^61 elements, 2^64 bytes
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p),
                       ("Corrupted .npy file '" + p.string() + "': shape (4294967296, 536870912) of 8-byte elements has too many bytes").c_str(),
                       sl::data_loss);
  spit(p, npy_with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (184467440737095516160,), }"));
  CHECK_THROWS_WITH_AS(
      sl::train::read_npy(p),
      ("Corrupted .npy file '" + p.string() + "': bad .npy header: a dimension of shape (184467440737095516160,) has too many digits").c_str(),
      sl::data_loss);
  // A claim the file cannot back is reported before anything is allocated.
  spit(p, sl::train::detail::npy_header(sl::dtype::uint8, sl::dims{1ull << 40}));
  CHECK(in_bounded_child(256u << 20, [&] { sl::train::read_npy(p); }) == 0);
}

TEST_CASE("read_npy says what is unsupported in valid numpy files, and keeps 'corrupted' for what is corrupt") {
  temp_dir d("sl_hostile");
  const auto p = d.path / "x.npy";
  auto npy = [&](const std::string& descr, const std::string& order, const std::string& shape, std::size_t payload) {
    spit(p, npy_with_dict("{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }") + std::string(payload, '\0'));
  };
  const std::string unsupported = "Unsupported .npy file '" + p.string() + "': ";
  const std::string reads = "; sessionlib reads float32, float64, int32, int64, uint8 and bool";

  npy("<f4", "True", "(2, 3)", 24);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p),
                       (unsupported + "Fortran-order (column-major) array of shape (2, 3); save it in C order (numpy.ascontiguousarray)").c_str(),
                       sl::unimplemented);
  npy(">f4", "False", "(2,)", 8);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (unsupported + "dtype '>f4' (big-endian float32)" + reads).c_str(), sl::unimplemented);
  npy("<f2", "False", "(2,)", 4);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (unsupported + "dtype '<f2' (float16)" + reads).c_str(), sl::unimplemented);
  npy("<i2", "False", "(2,)", 4);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (unsupported + "dtype '<i2' (int16)" + reads).c_str(), sl::unimplemented);
  npy("|i1", "False", "(2,)", 2);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (unsupported + "dtype '|i1' (int8)" + reads).c_str(), sl::unimplemented);
  npy("<c8", "False", "(1,)", 8);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (unsupported + "dtype '<c8' (complex64)" + reads).c_str(), sl::unimplemented);
  npy("|O", "False", "(1,)", 0);
  CHECK_THROWS_AS(sl::train::read_npy(p), sl::unimplemented);
  spit(p, npy_with_dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }") + std::string(4, '\0'));
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (unsupported + "structured dtype [('a', '<f4')]").c_str(), sl::unimplemented);
  std::string v4 = npy_with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }") + std::string(4, '\0');
  v4[6] = '\x04';
  spit(p, v4);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (unsupported + "format version 4.0 (sessionlib reads 1.0, 2.0 and 3.0)").c_str(),
                       sl::unimplemented);

  // Fortran order is no different from C order when at most one extent exceeds 1.
  npy("<i4", "True", "(3, 1)", 12);
  CHECK(sl::train::read_npy(p).shape() == sl::dims{3, 1});

  const std::string corrupted = "Corrupted .npy file '" + p.string() + "': ";
  npy("zz", "False", "(2,)", 8);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (corrupted + "bad .npy header: unknown dtype 'zz'").c_str(), sl::data_loss);
  npy("<f4", "Maybe", "(2,)", 8);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (corrupted + "bad .npy header: fortran_order must be True or False").c_str(), sl::data_loss);
  npy("<f4", "False", "(1 2,)", 48);  // not 12
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (corrupted + "bad .npy header: malformed shape").c_str(), sl::data_loss);
  npy("<f4", "False", "(2, x)", 8);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (corrupted + "bad .npy header: malformed shape").c_str(), sl::data_loss);
  std::string long_header = npy_with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }");
  long_header[8] = '\xff', long_header[9] = '\xff';  // a dict longer than the file
  spit(p, long_header);
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p), (corrupted + "truncated .npy header").c_str(), sl::data_loss);
}

TEST_CASE("read_npy of bool bytes other than 0 and 1 reads them as numpy does (nonzero is true)") {
  temp_dir d("sl_hostile");
  const auto p = d.path / "b.npy";
  spit(p, sl::train::detail::npy_header(sl::dtype::bool_, sl::dims{3}) + std::string("\x00\x02\xff", 3));
  const auto a = sl::train::read_npy(p);
  const auto* raw = static_cast<const unsigned char*>(a.raw());
  CHECK(raw[0] == 0);
  CHECK(raw[1] == 1);
  CHECK(raw[2] == 1);
}

TEST_CASE("read_idx: a shape whose product wraps is data_loss, not an empty array") {
  temp_dir d("sl_hostile");
  const auto p = d.path / "wrap";
  spit(p, idx_header({4194304, 2097152, 2097152}));  // 2^64 elements
  REQUIRE(fs::file_size(p) == 16);
  CHECK_THROWS_WITH_AS(sl::data::read_idx<3>(p),
                       ("Corrupted IDX file '" + p.string() + "': shape (4194304, 2097152, 2097152) has too many elements").c_str(),
                       sl::data_loss);
  spit_gz(p, idx_header({4194304, 2097152, 2097152}));
  CHECK_THROWS_WITH_AS(sl::data::read_idx<3>(p),
                       ("Corrupted IDX file '" + p.string() + "': shape (4194304, 2097152, 2097152) has too many elements").c_str(),
                       sl::data_loss);
}

TEST_CASE("read_idx: a tiny file claiming a huge shape is data_loss before anything is allocated") {
  temp_dir d("sl_hostile");
  const auto p = d.path / "claim";
  spit(p, idx_header({0xFFFFFFFFu}));  // 8 bytes claiming 4 GiB
  CHECK_THROWS_WITH_AS(
      sl::data::read_idx<1>(p),
      ("Truncated IDX file '" + p.string() + "': it ends inside its data (its header claims 4294967295 bytes of data, the file holds 0)").c_str(),
      sl::data_loss);
  CHECK(in_bounded_child(256u << 20, [&] { sl::data::read_idx<1>(p); }) == 0);

  spit(p, idx_header({65535, 65535, 65535}));  // 16 bytes claiming 2.8e14: std::bad_alloc before
  CHECK_THROWS_WITH_AS(
      sl::data::read_idx<3>(p),
      ("Truncated IDX file '" + p.string() + "': it ends inside its data (its header claims 281462092005375 bytes of data, the file holds 0)")
          .c_str(),
      sl::data_loss);

  SUBCASE("gzip'd: read as the data arrives") {
    spit_gz(p, idx_header({0xFFFFFFFFu}) + std::string(3000, '\x07'));
    CHECK_THROWS_WITH_AS(
        sl::data::read_idx<1>(p),
        ("Truncated IDX file '" + p.string() + "': it ends inside its data (its header claims 4294967295 bytes of data, the stream holds 3000)")
            .c_str(),
        sl::data_loss);
    CHECK(in_bounded_child(256u << 20, [&] { sl::data::read_idx<1>(p); }) == 0);
    spit_gz(p, idx_header({65535, 65535, 65535}));
    CHECK(in_bounded_child(256u << 20, [&] { sl::data::read_idx<3>(p); }) == 0);
  }
}

TEST_CASE("read_idx: a gzip'd file larger than one read chunk arrives whole") {
  temp_dir d("sl_hostile");
  const auto p = d.path / "big.gz";
  std::string values(3u << 20, '\0');  // 3 MiB: chunks of 1, 1 and 1 MiB
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<char>(i * 31 % 251);
  spit_gz(p, idx_header({3, 1024, 1024}) + values);
  const auto x = sl::data::read_idx<3>(p);
  REQUIRE(x.size() == values.size());
  CHECK(std::equal(x.begin(), x.end(), reinterpret_cast<const std::uint8_t*>(values.data())));
}

TEST_CASE("an empty shape whose other extents overflow is data_loss too: strides multiply them (found by fuzz_idx)") {
  temp_dir d("sl_hostile");
  const auto p = d.path / "f";
  spit(p, idx_header({810, 0, 6, 486276091, 4227595259u}));
  CHECK_THROWS_WITH_AS(sl::data::read_idx<5>(p),
                       ("Corrupted IDX file '" + p.string() + "': shape (810, 0, 6, 486276091, 4227595259) has too many elements").c_str(),
                       sl::data_loss);
  spit(p, idx_header({2, 0}));  // an empty shape that fits still reads
  CHECK(sl::data::read_idx<2>(p).shape() == std::array<std::size_t, 2>{2, 0});

  spit(p, sl::train::detail::npy_header(sl::dtype::float32, sl::dims{0, 4294967296ull, 4294967296ull}));
  CHECK_THROWS_WITH_AS(sl::train::read_npy(p),
                       ("Corrupted .npy file '" + p.string() + "': shape (0, 4294967296, 4294967296) has too many elements").c_str(),
                       sl::data_loss);

  const auto ip = (d.path / "m.index").string();
  spit(ip, index_text({"w\tfloat32\t(0, 9223372036854775808, 2)\t00000000\tw.npy"}, 1));
  CHECK_THROWS_WITH_AS(sl::train::read_checkpoint_index(d.path / "m"),
                       ("Corrupted checkpoint index '" + ip + "' line 3 (tensor 'w'): shape (0, 9223372036854775808, 2) has too many elements").c_str(),
                       sl::data_loss);
}

TEST_CASE("a file that cannot be written is the error class of its cause, naming the file") {
  namespace d = sessionlib::train::detail;
  const std::filesystem::path p = "/ckpt/model.index";
  CHECK_THROWS_WITH_AS(d::throw_io("Failed to open", p, ENOENT),
                       "Failed to open '/ckpt/model.index': No such file or directory", sessionlib::not_found);
  CHECK_THROWS_WITH_AS(d::throw_io("Failed to open", p, EACCES),
                       "Failed to open '/ckpt/model.index': Permission denied", sessionlib::permission_denied);
  CHECK_THROWS_AS(d::throw_io("Failed to open", p, EROFS), sessionlib::permission_denied);
  CHECK_THROWS_AS(d::throw_io("Failed to write", p, ENOSPC), sessionlib::resource_exhausted);
  CHECK_THROWS_AS(d::throw_io("Failed to rename", p, EIO), sessionlib::aborted);
}
