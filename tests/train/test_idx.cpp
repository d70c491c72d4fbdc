// The IDX reader on small files the test writes, gzip'd and plain.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <zlib.h>

#include <sessionlib/data/idx.hpp>

#include "temp_dir.hpp"

namespace sl = sessionlib;
namespace fs = std::filesystem;

namespace {

using sessionlib_test::temp_dir;

// An IDX file: header (0, 0, type, rank, big-endian sizes), then the values.
std::string idx_bytes(const std::vector<std::uint32_t>& shape, const std::vector<std::uint8_t>& values, std::uint8_t type = 0x08) {
  std::string s{'\0', '\0', static_cast<char>(type), static_cast<char>(shape.size())};
  for (auto d : shape)
    for (int k = 3; k >= 0; --k) s += static_cast<char>((d >> (8 * k)) & 0xff);
  s.append(values.begin(), values.end());
  return s;
}

void write_plain(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void write_gz(const fs::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  gzclose(f);
}

std::vector<std::uint8_t> iota_bytes(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return v;
}

}  // namespace

TEST_CASE("read_idx reads images and labels, gzip'd or plain") {
  temp_dir d;
  const auto pixels = iota_bytes(3 * 4 * 5);
  const auto labels = std::vector<std::uint8_t>{9, 0, 4};
  for (bool gz : {false, true}) {
    CAPTURE(gz);
    const auto images_path = d.path / (gz ? "images.gz" : "images");
    const auto labels_path = d.path / (gz ? "labels.gz" : "labels");
    (gz ? write_gz : write_plain)(images_path, idx_bytes({3, 4, 5}, pixels));
    (gz ? write_gz : write_plain)(labels_path, idx_bytes({3}, labels));

    xt::xtensor<std::uint8_t, 3> images = sl::data::read_idx<3>(images_path);
    REQUIRE(images.shape() == std::array<std::size_t, 3>{3, 4, 5});
    for (std::size_t i = 0; i < 3; ++i)
      for (std::size_t r = 0; r < 4; ++r)
        for (std::size_t c = 0; c < 5; ++c) CHECK(images(i, r, c) == pixels[(i * 4 + r) * 5 + c]);

    auto l = sl::data::read_idx<1>(labels_path);
    static_assert(std::is_same_v<decltype(l), xt::xtensor<std::uint8_t, 1>>);
    REQUIRE(l.size() == 3);
    CHECK(l(0) == 9);
    CHECK(l(1) == 0);
    CHECK(l(2) == 4);
  }
}

TEST_CASE("read_idx reads an empty data set") {
  temp_dir d;
  write_gz(d.path / "empty.gz", idx_bytes({0, 28, 28}, {}));
  auto x = sl::data::read_idx<3>(d.path / "empty.gz");
  CHECK(x.shape() == std::array<std::size_t, 3>{0, 28, 28});
}

TEST_CASE("read_idx reports missing and damaged files") {
  temp_dir d;
  const auto p = d.path / "f";
  const std::string missing = (d.path / "nope.gz").string();
  CHECK_THROWS_WITH_AS(sl::data::read_idx<1>(missing), ("IDX file not found: '" + missing + "'").c_str(), sl::not_found);

  SUBCASE("bad magic") {
    write_plain(p, std::string("\x01\x02\x08\x01\0\0\0\0", 8));
    CHECK_THROWS_WITH_AS(sl::data::read_idx<1>(p), ("Not an IDX file: '" + p.string() + "' (bad magic number)").c_str(), sl::data_loss);
  }
  SUBCASE("another type code") {
    write_plain(p, idx_bytes({2}, {0, 0, 0, 0, 0, 0, 0, 0}, 0x0d));
    CHECK_THROWS_WITH_AS(sl::data::read_idx<1>(p), ("IDX file '" + p.string() + "' holds type code 0x0d, not unsigned bytes (0x08)").c_str(),
                         sl::data_loss);
  }
  SUBCASE("another rank") {
    write_plain(p, idx_bytes({2, 2}, {1, 2, 3, 4}));
    CHECK_THROWS_WITH_AS(sl::data::read_idx<3>(p), ("IDX file '" + p.string() + "' has rank 2, not 3").c_str(), sl::data_loss);
  }
  SUBCASE("truncated header") {
    write_gz(p, std::string("\0\0\x08\x03\0\0", 6));
    CHECK_THROWS_WITH_AS(sl::data::read_idx<3>(p), ("Truncated IDX file '" + p.string() + "': it ends inside its header").c_str(),
                         sl::data_loss);
  }
  SUBCASE("truncated data, plain and gzip'd") {
    auto bytes = idx_bytes({4, 2}, iota_bytes(8));
    bytes.resize(bytes.size() - 3);
    write_plain(p, bytes);
    CHECK_THROWS_WITH_AS(sl::data::read_idx<2>(p),
                         ("Truncated IDX file '" + p.string() + "': it ends inside its data (its header claims 8 bytes of data, the file holds 5)").c_str(),
                         sl::data_loss);
    write_gz(p, bytes);
    CHECK_THROWS_WITH_AS(sl::data::read_idx<2>(p),
                         ("Truncated IDX file '" + p.string() + "': it ends inside its data (its header claims 8 bytes of data, the stream holds 5)").c_str(),
                         sl::data_loss);
  }
  SUBCASE("trailing bytes") {
    write_plain(p, idx_bytes({2}, {1, 2}) + "x");
    CHECK_THROWS_WITH_AS(sl::data::read_idx<1>(p), ("IDX file '" + p.string() + "' has bytes past its data").c_str(), sl::data_loss);
  }
  SUBCASE("a cut gzip stream") {
    write_gz(p, idx_bytes({64}, iota_bytes(64)));
    const auto size = fs::file_size(p);
    fs::resize_file(p, size - 6);  // cut the gzip trailer (CRC and length)
    CHECK_THROWS_AS(sl::data::read_idx<1>(p), sl::data_loss);
  }
  SUBCASE("a gzip stream whose CRC fails") {
    write_gz(p, idx_bytes({64}, iota_bytes(64)));
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-8, std::ios::end);  // the trailer's CRC-32
    f.put('\x5a');
    f.close();
    CHECK_THROWS_AS(sl::data::read_idx<1>(p), sl::data_loss);
  }
}

TEST_CASE("load_mnist reads the four files and says how to get them when missing") {
  temp_dir d;
  write_gz(d.path / "train-images-idx3-ubyte.gz", idx_bytes({2, 2, 2}, iota_bytes(8)));
  write_gz(d.path / "train-labels-idx1-ubyte.gz", idx_bytes({2}, {1, 2}));
  write_plain(d.path / "t10k-images-idx3-ubyte", idx_bytes({1, 2, 2}, iota_bytes(4)));  // plain works too
  const auto test_labels = d.path / "t10k-labels-idx1-ubyte.gz";
  const std::string want = "Fashion-MNIST file '" + test_labels.string() +
                           "' not found: install the data set with `apt-get install dataset-fashion-mnist`, "
                           "or pass the directory that holds it";
  CHECK_THROWS_WITH_AS(sl::data::load_mnist(d.path), want.c_str(), sl::not_found);

  write_gz(test_labels, idx_bytes({1}, {7}));
  const auto data = sl::data::load_mnist(d.path);
  CHECK(data.train_images.shape(0) == 2);
  CHECK(data.train_labels(1) == 2);
  CHECK(data.test_images(0, 1, 1) == iota_bytes(4)[3]);
  CHECK(data.test_labels(0) == 7);
  CHECK(sl::data::fashion_mnist_classes[9] == "Ankle boot");

  write_gz(test_labels, idx_bytes({2}, {7, 8}));
  CHECK_THROWS_AS(sl::data::load_mnist(d.path), sl::data_loss);
}
