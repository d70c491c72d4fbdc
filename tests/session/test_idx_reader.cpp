// IdxRecordReader (issue 14): the records of MNIST-style IDX files, gzip'd and
// plain, through the graph: values, keys, shapes and dtypes after decode_raw
// and cast, the record size checked, every damaged file reported as
// sl::data_loss naming it. (Images and labels of two files through
// shuffle_batch and runner threads: test_reader_threads.cpp.)
#include <doctest/doctest.h>

#include <sessionlib/input.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "reader_files.hpp"

namespace sl = sessionlib;
using reader_test::be32;
using reader_test::cat;
using reader_test::idx_bytes;
using reader_test::message_of;
using reader_test::temp_dir;
using reader_test::write_gz;

namespace {

/// Image i of a (n, 2, 3) test set: its pixels are 10 * i + 0..5; label i is i % 10.
std::string images(int n) {
  std::string data;
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < 6; ++p) data += static_cast<char>(10 * i + p);
  return idx_bytes({static_cast<std::uint32_t>(n), 2, 3}, data);
}

/// A queue of file names, fed a list and closed.
struct filenames {
  sl::FIFOQueue<std::string, sl::shape<>> q;
  sl::Tensor<std::string, sl::shape<sl::dyn>> names;
  sl::Operation enq, close;
  explicit filenames(sl::Graph& g)
      : q(g, 32), names(sl::placeholder<std::string, sl::shape<sl::dyn>>(g, "names")), enq(q.enqueue_many(names)),
        close(q.close()) {}
  void give(sl::Session& s, const std::vector<std::string>& files) const {
    xt::xtensor<std::string, 1> v = xt::xtensor<std::string, 1>::from_shape({files.size()});
    for (std::size_t i = 0; i < files.size(); ++i) v(i) = files[i];
    s.run(enq, {{names, v}});
    s.run(close);
  }
};
}  // namespace

TEST_CASE("IdxRecordReader: records of gzip'd and plain IDX files, decoded into float images and int64 labels") {
  temp_dir dir("idx");
  const std::string gz = write_gz(dir, "train-images-idx3-ubyte.gz", images(3));
  const std::string plain = dir.write("more-images-idx3-ubyte", images(2));
  REQUIRE_FALSE(gz.empty());
  sl::Graph g;
  filenames files(g);
  sl::IdxRecordReader reader(g, /*record_bytes=*/6);
  CHECK(reader.name() == "IdxRecordReader");
  auto read = reader.read(files.q);
  auto key = std::get<0>(read);
  auto value = std::get<1>(read);
  auto pixels = sl::reshape<sl::shape<2, 3>>(sl::decode_raw<std::uint8_t>(value));
  auto image = sl::cast<float>(pixels) / 255.f;
  static_assert(std::is_same_v<decltype(image), sl::Tensor<float, sl::shape<2, 3>>>);
  sl::Session s(g);
  files.give(s, {gz, plain});
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    auto [k, v, x] = s.run(std::tuple{key, value, image});
    keys.push_back(k);
    const int n = i < 3 ? i : i - 3;  // the record's index in its file
    CHECK(v.size() == 6);
    CHECK(x.shape(0) == 2);
    CHECK(x.shape(1) == 3);
    CHECK(x(0, 0) == doctest::Approx(10.0 * n / 255.0));
    CHECK(x(1, 2) == doctest::Approx((10.0 * n + 5) / 255.0));
  }
  CHECK(keys == std::vector<std::string>{gz + ":0", gz + ":1", gz + ":2", plain + ":0", plain + ":1"});
  CHECK(s.run(reader.num_records_produced()) == 5);
  CHECK(s.run(reader.num_work_units_completed()) == 1);
  CHECK_THROWS_AS(s.run(key), sl::out_of_range);
  CHECK(s.run(reader.num_work_units_completed()) == 2);

  SUBCASE("labels: a rank-1 file has records of one byte; record_bytes 0 takes the header's size") {
    const std::string lf = write_gz(dir, "train-labels-idx1-ubyte.gz", reader_test::idx_labels(12));
    sl::Graph g2;
    filenames names(g2);
    sl::IdxRecordReader lr(g2);
    auto lread = lr.read(names.q);
    auto label = sl::cast<std::int64_t>(sl::reshape<sl::shape<>>(sl::decode_raw<std::uint8_t>(std::get<1>(lread))));
    static_assert(std::is_same_v<decltype(label), sl::Tensor<std::int64_t, sl::shape<>>>);
    sl::Session s2(g2);
    names.give(s2, {lf});
    for (std::int64_t i = 0; i < 12; ++i) CHECK(s2.run(label) == i % 10);
    CHECK_THROWS_AS(s2.run(label), sl::out_of_range);
  }
}

TEST_CASE("IdxRecordReader: a damaged file is sl::data_loss naming it; the next read moves on to the next file") {
  temp_dir dir("idx_bad");
  const std::string good = dir.write("good", images(1));
  struct damage {
    std::string name, bytes, message;
  };
  const std::vector<damage> cases{
      {"magic", cat(std::string("\x01\x00\x08\x03", 4), be32(1), be32(2), be32(3), std::string(6, 'x')),
       "Not an IDX file: '{}' (bad magic number)"},
      {"type", cat(std::string("\x00\x00\x0d\x03", 4), be32(1), be32(2), be32(3), std::string(24, 'x')),
       "IDX file '{}' holds type code 0x0d, not unsigned bytes (0x08)"},
      {"rank0", std::string("\x00\x00\x08\x00", 4), "IDX file '{}' has rank 0: it holds no records"},
      {"short_header", cat(std::string("\x00\x00\x08\x03", 4), be32(1), std::string("\x00\x02", 2)),
       "Truncated IDX file '{}': it ends inside its header"},
      {"short_record", idx_bytes({2, 2, 3}, std::string(9, 'x')), "Truncated IDX file '{}': it ends inside record 1"},
      {"trailing", idx_bytes({1, 2, 3}, std::string(7, 'x')), "IDX file '{}' has bytes past its data"},
      {"record_size", idx_bytes({2, 7}, std::string(14, 'x')), "IDX file '{}' holds records of 7 bytes, not 6"},
      {"labels_for_images", idx_bytes({4}, std::string(4, 'x')), "IDX file '{}' holds records of 1 bytes, not 6"},
      {"huge", idx_bytes({1, 65536, 65536}, ""), "Corrupted IDX file '{}': its header claims records of more than 268435456 bytes"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const std::string bad = dir.write(c.name, c.bytes);
    sl::Graph g;
    filenames files(g);
    sl::IdxRecordReader reader(g, 6);
    auto read = reader.read(files.q);
    auto key = std::get<0>(read);
    sl::Session s(g);
    files.give(s, {bad, good});
    std::string expected = c.message;
    expected.replace(expected.find("{}"), 2, bad);
    const std::string got = message_of<sl::data_loss>([&] {
      for (int i = 0; i < 3; ++i) s.run(key);  // a file's good records come first
    });
    CHECK(got == expected);
    if (c.name == "short_record" || c.name == "trailing") continue;  // the damage shows after a good record
    CHECK(s.run(key) == good + ":0");
  }
  SUBCASE("gzip'd damage: a stream cut short") {
    const std::string gz = write_gz(dir, "cut.gz", idx_bytes({2, 2, 3}, std::string(12, 'x')));
    std::string bytes(std::filesystem::file_size(gz), '\0');
    {
      std::ifstream in(gz, std::ios::binary);
      in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    const std::string cut = dir.write("cut2.gz", bytes.substr(0, bytes.size() - 12));  // the trailer and some data gone
    sl::Graph g;
    filenames files(g);
    sl::IdxRecordReader reader(g, 6);
    auto key = std::get<0>(reader.read(files.q));
    sl::Session s(g);
    files.give(s, {cut});
    const std::string got = message_of<sl::data_loss>([&] {
      for (int i = 0; i < 3; ++i) s.run(key);
    });
    CHECK(got.find("IDX file '" + cut + "'") != std::string::npos);  // zlib says "unexpected end of file" or the data ends
  }
  SUBCASE("a missing file is TF's sl::not_found; a negative record size is refused") {
    sl::Graph g;
    filenames files(g);
    sl::IdxRecordReader reader(g);
    auto key = std::get<0>(reader.read(files.q));
    sl::Session s(g);
    files.give(s, {(dir.path / "absent").string(), good});
    CHECK_THROWS_AS(s.run(key), sl::not_found);
    CHECK(s.run(key) == good + ":0");
    CHECK_THROWS_WITH_AS(sl::IdxRecordReader(g, -1), doctest::Contains("record_bytes must be >= 0"), sl::invalid_argument);
  }
}
