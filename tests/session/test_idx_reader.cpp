// IdxRecordReader (issue 14): the records of MNIST-style IDX files, gzip'd and
// plain, through the graph: values, keys, shapes and dtypes after decode_raw
// and cast, the record size checked, every damaged file reported as
// sl::data_loss naming it, and a shuffle_batch pipeline that keeps images and
// labels of two files together.
#include <doctest/doctest.h>

#include <sessionlib/input.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <zlib.h>

#include "reader_files.hpp"

namespace sl = sessionlib;
using reader_test::cat;
using reader_test::temp_dir;

namespace {
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no exception)";
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

/// An IDX file of unsigned bytes: its header for `dims`, then `data`.
std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::string& data) {
  std::string out{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (auto d : dims) out += be32(d);
  return out + data;
}

/// `bytes` gzip'd into file `name` of `dir`; returns its path.
std::string write_gz(const temp_dir& dir, const std::string& name, const std::string& bytes) {
  const std::string p = (dir.path / name).string();
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  gzclose(f);
  return p;
}

/// Image i of a (n, 2, 3) test set: its pixels are 10 * i + 0..5; label i is i % 10.
std::string images(int n) {
  std::string data;
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < 6; ++p) data += static_cast<char>(10 * i + p);
  return idx_bytes({static_cast<std::uint32_t>(n), 2, 3}, data);
}
std::string labels(int n) {
  std::string data;
  for (int i = 0; i < n; ++i) data += static_cast<char>(i % 10);
  return idx_bytes({static_cast<std::uint32_t>(n)}, data);
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
    const std::string lf = write_gz(dir, "train-labels-idx1-ubyte.gz", labels(12));
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

TEST_CASE("IDX images and labels through shuffle_batch: every example once, each image with its own label") {
  temp_dir dir("idx_pipeline");
  constexpr int n = 40;
  std::string image_data;  // image i: 4 pixels, all i; label i: i % 10
  for (int i = 0; i < n; ++i) image_data += std::string(4, static_cast<char>(i));
  const std::string image_file = write_gz(dir, "images.gz", idx_bytes({n, 2, 2}, image_data));
  const std::string label_file = write_gz(dir, "labels.gz", labels(n));
  sl::Graph g;
  g.set_seed(5);
  // Two producers and two readers read the two files in step: one runner thread keeps them so.
  auto image_names = sl::train::string_input_producer(g, {image_file}, /*num_epochs=*/2, /*shuffle=*/false);
  auto label_names = sl::train::string_input_producer(g, {label_file}, 2, false);
  sl::IdxRecordReader image_reader(g, 4), label_reader(g, 1);
  auto image = sl::cast<float>(sl::reshape<sl::shape<4>>(sl::decode_raw<std::uint8_t>(std::get<1>(image_reader.read(image_names)))));
  auto label = sl::cast<std::int64_t>(sl::reshape<sl::shape<>>(sl::decode_raw<std::uint8_t>(std::get<1>(label_reader.read(label_names)))));
  auto [xs, ys] = sl::train::shuffle_batch<8>(std::tuple{image, label}, /*capacity=*/30, /*min_after_dequeue=*/10);
  static_assert(std::is_same_v<decltype(xs), sl::Tensor<float, sl::shape<8, 4>>>);
  static_assert(std::is_same_v<decltype(ys), sl::Tensor<std::int64_t, sl::shape<8>>>);
  sl::Session s(g);
  sl::train::Coordinator coord;
  auto runners = sl::train::start_queue_runners(s, coord);
  std::multiset<int> seen;
  bool shuffled = false;
  int batches = 0;
  try {
    for (;;) {
      auto [x, y] = s.run(std::tuple{xs, ys});
      ++batches;
      for (std::size_t i = 0; i < 8; ++i) {
        const int id = static_cast<int>(x(i, 0));
        seen.insert(id);
        CHECK(x(i, 3) == static_cast<float>(id));
        CHECK(y(i) == id % 10);
        if (i > 0 && x(i, 0) < x(i - 1, 0)) shuffled = true;
      }
    }
  } catch (const sl::out_of_range&) {
  }
  coord.request_stop();
  coord.join(runners);
  CHECK(batches == 10);
  CHECK(shuffled);
  CHECK(seen.size() == 2 * n);
  for (int id = 0; id < n; ++id) CHECK(seen.count(id) == 2);
}
