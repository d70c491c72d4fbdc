// Readers (issue 14): FixedLengthRecordReader, TextLineReader, TFRecordReader
// and IdentityReader over real files, keys and values as TF's, the counts,
// reset, state per session, errors with TF's messages (a missing file, a
// damaged or truncated TFRecord, a drained queue), timeouts.
#include <doctest/doctest.h>

#include <sessionlib/input.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "reader_files.hpp"

namespace sl = sessionlib;
using namespace std::chrono_literals;
using reader_test::message_of;
using reader_test::temp_dir;

namespace {
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

/// A queue of file names, its enqueue_many and close; fed a list, then closed.
struct filenames {
  sl::Graph& g;
  sl::FIFOQueue<std::string, sl::shape<>> q;
  sl::Tensor<std::string, sl::shape<sl::dyn>> names;
  sl::Operation enq, close;
  explicit filenames(sl::Graph& graph)
      : g(graph), q(graph, 32), names(sl::placeholder<std::string, sl::shape<sl::dyn>>(graph, "names")),
        enq(q.enqueue_many(names)), close(q.close()) {}
  void give(sl::Session& s, const std::vector<std::string>& files, bool then_close = true) const {
    xt::xtensor<std::string, 1> v = xt::xtensor<std::string, 1>::from_shape({files.size()});
    for (std::size_t i = 0; i < files.size(); ++i) v(i) = files[i];
    s.run(enq, {{names, v}});
    if (then_close) s.run(close);
  }
};
}  // namespace

TEST_CASE("FixedLengthRecordReader: header, records, footer; keys from 0; counts; the drained queue ends it") {
  temp_dir dir("fixed");
  const std::string a = dir.write("a.bin", "HH" "aaaa" "bbbb" "cccc" "xy" "F");  // a partial record before the footer
  const std::string b = dir.write("b.bin", "HH" "dddd" "F");
  sl::Graph g;
  filenames files(g);
  sl::FixedLengthRecordReader reader(g, /*record_bytes=*/4, /*header_bytes=*/2, /*footer_bytes=*/1);
  auto read = reader.read(files.q);  // (no structured binding: clang 14 lambdas cannot capture one)
  auto key = std::get<0>(read);
  auto value = std::get<1>(read);
  auto produced = reader.num_records_produced();
  auto completed = reader.num_work_units_completed();
  sl::Session s(g);
  files.give(s, {a, b});
  std::vector<std::pair<std::string, std::string>> got;
  for (int i = 0; i < 4; ++i) {
    auto [k, v] = s.run(std::tuple{key, value});
    got.emplace_back(k, v);
  }
  CHECK(got == std::vector<std::pair<std::string, std::string>>{
                   {a + ":0", "aaaa"}, {a + ":1", "bbbb"}, {a + ":2", "cccc"}, {b + ":0", "dddd"}});
  CHECK(s.run(produced) == 4);
  CHECK(s.run(completed) == 1);  // b is not finished until a read finds its end
  const std::string end = message_of<sl::out_of_range>([&] { s.run(key); });
  CHECK(end.find("is closed and has insufficient elements (requested 1, current size 0)") != std::string::npos);
  CHECK(s.run(completed) == 2);
  CHECK(s.run(produced) == 4);
  s.run(reader.reset());
  CHECK(s.run(produced) == 0);
  CHECK(s.run(completed) == 0);
}

TEST_CASE("read_up_to: at most n records per run, fewer at a file's end, then the next file; TF's end") {
  temp_dir dir("upto");
  const std::string a = dir.write("a.bin", "aaaabbbbccccddddeeee");  // 5 records
  const std::string b = dir.write("b.bin", "ffffgggg");              // 2 records
  sl::Graph g;
  filenames files(g);
  sl::FixedLengthRecordReader reader(g, 4);
  auto read = reader.read_up_to(files.q, 2);
  static_assert(std::is_same_v<decltype(read), std::tuple<sl::Tensor<std::string, sl::shape<sl::dyn>>,
                                                          sl::Tensor<std::string, sl::shape<sl::dyn>>>>);
  auto keys = std::get<0>(read);
  auto values = std::get<1>(read);
  CHECK(g.at(keys.id()).op == "ReaderReadUpToV2");
  auto pixels = sl::decode_raw<std::uint8_t>(values);  // (n, 4): one row per record
  auto produced = reader.num_records_produced();
  sl::Session s(g);
  files.give(s, {a, b});
  using S1 = xt::xtensor<std::string, 1>;
  std::vector<S1> got_keys, got_values;
  for (int i = 0; i < 4; ++i) {
    auto [k, v] = s.run(std::tuple{keys, values});
    got_keys.push_back(k);
    got_values.push_back(v);
  }
  CHECK(got_values == std::vector<S1>{{"aaaa", "bbbb"}, {"cccc", "dddd"}, {"eeee"}, {"ffff", "gggg"}});
  CHECK(got_keys[2] == S1{a + ":4"});
  CHECK(got_keys[3] == S1{b + ":0", b + ":1"});
  CHECK(s.run(produced) == 7);
  // The queue is drained and closed: TF's end of input, and nothing is lost or counted twice.
  const std::string end = message_of<sl::out_of_range>([&] { s.run(keys); });
  CHECK(end.find("is closed and has insufficient elements (requested 1, current size 0)") != std::string::npos);
  CHECK(s.run(produced) == 7);
  CHECK_THROWS_WITH_AS(reader.read_up_to(files.q, 0), "read_up_to: num_records must be at least 1, got 0",
                       sl::invalid_argument);

  // decode_raw of the batch: one row of bytes per record.
  sl::Session s2(g);
  files.give(s2, {b});
  CHECK(s2.run(pixels) == xt::xtensor<std::uint8_t, 2>{{'f', 'f', 'f', 'f'}, {'g', 'g', 'g', 'g'}});
}

TEST_CASE("batch of enqueue_many: a reader's read_up_to rows become examples, each enqueued once") {
  temp_dir dir("many");
  std::string bytes;
  for (int i = 0; i < 10; ++i) bytes += std::string(3, static_cast<char>('0' + i));  // 10 records "000".."999"
  const std::string a = dir.write("a.bin", bytes);
  sl::Graph g;
  filenames files(g);
  sl::FixedLengthRecordReader reader(g, 3);
  auto values = std::get<1>(reader.read_up_to(files.q, 4));
  auto rows = sl::reshape<sl::shape<sl::dyn, 3>>(sl::decode_raw<std::uint8_t>(values));
  auto batched = sl::train::batch<5>(sl::train::enqueue_many(std::tuple{rows, sl::cast<std::int32_t>(rows)}), 5, 16);
  static_assert(std::is_same_v<std::tuple_element_t<0, decltype(batched)>, sl::Tensor<std::uint8_t, sl::shape<5, 3>>>);
  static_assert(std::is_same_v<std::tuple_element_t<1, decltype(batched)>, sl::Tensor<std::int32_t, sl::shape<5, 3>>>);
  sl::Session s(g);
  files.give(s, {a});
  sl::train::Coordinator coord;
  auto threads = sl::train::start_queue_runners(s, coord);
  std::vector<int> seen;
  for (int b = 0; b < 2; ++b) {
    auto [u8, i32] = s.run(batched);
    for (std::size_t r = 0; r < 5; ++r) {
      CHECK(u8(r, 0) == u8(r, 2));
      CHECK(i32(r, 1) == static_cast<std::int32_t>(u8(r, 1)));
      seen.push_back(u8(r, 0) - '0');
    }
  }
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});  // a FIFO batch keeps the file's order
  coord.request_stop();
  coord.join(threads);
}

TEST_CASE("FixedLengthRecordReader: hop_bytes makes records overlap; decode_raw reads them") {
  temp_dir dir("hop");
  const std::string f = dir.write("h.bin", std::string("\x01\x02\x03\x04\x05\x06", 6));
  sl::Graph g;
  filenames files(g);
  sl::FixedLengthRecordReader reader(g, 4, 0, 0, /*hop_bytes=*/1);
  auto read = reader.read(files.q);
  auto key = std::get<0>(read);
  auto value = std::get<1>(read);
  auto bytes = sl::decode_raw<std::uint8_t>(value);
  sl::Session s(g);
  files.give(s, {f});
  for (std::uint8_t start = 1; start <= 3; ++start) {
    xt::xtensor<std::uint8_t, 1> v = s.run(bytes);
    CHECK(v == xt::xtensor<std::uint8_t, 1>{start, std::uint8_t(start + 1), std::uint8_t(start + 2), std::uint8_t(start + 3)});
  }
  CHECK_THROWS_AS(s.run(key), sl::out_of_range);
  CHECK_THROWS_WITH_AS(sl::FixedLengthRecordReader(g, 0), doctest::Contains("record_bytes must be > 0"),
                       sl::invalid_argument);
}

TEST_CASE("TextLineReader: lines without newlines, header lines skipped, keys are 1-based line numbers") {
  temp_dir dir("text");
  const std::string a = dir.write("a.csv", "x,y\r\n1,2\r\n\n3,4");  // CRLF, an empty line, no final newline
  const std::string b = dir.write("b.csv", "x,y\n");                // a header only: no records
  const std::string c = dir.write("c.csv", "x,y\n5,6\n");
  sl::Graph g;
  filenames files(g);
  sl::TextLineReader reader(g, /*skip_header_lines=*/1);
  auto read = reader.read(files.q);
  auto key = std::get<0>(read);
  auto line = std::get<1>(read);
  sl::Session s(g);
  files.give(s, {a, b, c});
  std::vector<std::pair<std::string, std::string>> got;
  for (int i = 0; i < 4; ++i) {
    auto [k, v] = s.run(std::tuple{key, line});
    got.emplace_back(k, v);
  }
  CHECK(got == std::vector<std::pair<std::string, std::string>>{
                   {a + ":2", "1,2"}, {a + ":3", ""}, {a + ":4", "3,4"}, {c + ":2", "5,6"}});
  CHECK(s.run(reader.num_work_units_completed()) == 2);  // a and b
  CHECK_THROWS_AS(s.run(key), sl::out_of_range);
  CHECK(s.run(reader.num_work_units_completed()) == 3);
}

TEST_CASE("TextLineReader + string_to_number: a CSV column as floats") {
  temp_dir dir("csv");
  const std::string f = dir.write("v.txt", "1.5\n-2\n 3e2 \n");
  sl::Graph g;
  filenames files(g);
  sl::TextLineReader reader(g);
  auto read = reader.read(files.q);
  auto line = std::get<1>(read);
  auto x = sl::string_to_number<float>(line);
  sl::Session s(g);
  files.give(s, {f});
  CHECK(s.run(x) == 1.5f);
  CHECK(s.run(x) == -2.f);
  CHECK(s.run(x) == 300.f);
}

TEST_CASE("TFRecordReader: TF's framing, keys are byte offsets; damage is sl::data_loss with TF's message") {
  temp_dir dir("tfrecord");
  const std::vector<std::string> records{"first", "", std::string(300, 'z')};
  const std::string good = dir.write("good.tfrecord", reader_test::tf_records(records));
  sl::Graph g;
  filenames files(g);
  sl::TFRecordReader reader(g);
  auto read = reader.read(files.q);
  auto key = std::get<0>(read);
  auto value = std::get<1>(read);
  sl::Session s(g);
  files.give(s, {good}, false);
  std::size_t offset = 0;
  for (const auto& r : records) {
    auto [k, v] = s.run(std::tuple{key, value});
    CHECK(k == good + ":" + std::to_string(offset));
    CHECK(v == r);
    offset += 16 + r.size();
  }
  CHECK(s.run(reader.num_records_produced()) == 3);

  // The data of the second record damaged: its data starts at 12 + 5 + 4 + 12.
  std::string bytes = reader_test::tf_records({"first", "second", "third"});
  const std::size_t second = 12 + 5 + 4;
  bytes[second + 12 + 2] ^= 0x20;
  const std::string damaged = dir.write("damaged.tfrecord", bytes);
  // The length of the first record damaged: the reminder TF adds at offset 0.
  std::string header = reader_test::tf_records({"first"});
  header[0] ^= 0x01;
  const std::string bad_header = dir.write("bad_header.tfrecord", header);
  // The file cut inside the data of its second record.
  std::string cut = reader_test::tf_records({"first", "second"});
  cut.resize(cut.size() - 6);
  const std::string truncated = dir.write("truncated.tfrecord", cut);
  files.give(s, {damaged, bad_header, truncated}, false);
  CHECK(s.run(key) == damaged + ":0");  // good's end found, then damaged's first record
  CHECK(message_of<sl::data_loss>([&] { s.run(key); }) == "corrupted record at 33");
  CHECK(message_of<sl::data_loss>([&] { s.run(key); }) == "corrupted record at 33");  // it stays there
  s.run(reader.reset());  // skips the rest of the damaged file
  CHECK(message_of<sl::data_loss>([&] { s.run(key); }) == "corrupted record at 0 (Is this even a TFRecord file?)");
  s.run(reader.reset());
  CHECK(s.run(value) == "first");
  CHECK(message_of<sl::data_loss>([&] { s.run(key); }) == "truncated record at 33");
  s.run(reader.reset());
  // A header and nothing after it; a length (checksummed) larger than the file.
  const std::string header_only = dir.write("header_only.tfrecord", reader_test::tf_record("abc").substr(0, 12));
  std::string huge = reader_test::le(~std::uint64_t{0} - 2, 8);
  huge += reader_test::le(sl::crc32c::mask(sl::crc32c::value(huge)), 4) + "data";
  const std::string huge_length = dir.write("huge_length.tfrecord", huge);
  files.give(s, {header_only, huge_length}, false);
  CHECK(message_of<sl::data_loss>([&] { s.run(key); }) == "truncated record at 0' failed with eof");
  s.run(reader.reset());
  CHECK(message_of<sl::data_loss>([&] { s.run(key); }) == "truncated record at 12");
  s.run(reader.reset());
  s.run(files.close);
  CHECK_THROWS_AS(s.run(key), sl::out_of_range);
}

TEST_CASE("IdentityReader: the work item is key and value; each is a completed work unit") {
  sl::Graph g;
  filenames files(g);
  sl::IdentityReader reader(g);
  auto read = reader.read(files.q);
  auto key = std::get<0>(read);
  auto value = std::get<1>(read);
  sl::Session s(g);
  files.give(s, {"alpha", "beta"});
  auto [k, v] = s.run(std::tuple{key, value});
  CHECK(k == "alpha");
  CHECK(v == "alpha");
  CHECK(s.run(value) == "beta");
  CHECK(s.run(reader.num_work_units_completed()) == 2);
  CHECK(s.run(reader.num_records_produced()) == 2);
}

TEST_CASE("a missing file is TF's sl::not_found; the next read moves on to the next file") {
  temp_dir dir("missing");
  const std::string there = dir.write("there.txt", "line\n");
  const std::string missing = (dir.path / "missing.txt").string();
  sl::Graph g;
  filenames files(g);
  sl::TextLineReader reader(g);
  auto read = reader.read(files.q);
  auto line = std::get<1>(read);
  sl::Session s(g);
  files.give(s, {missing, there});
  try {
    s.run(line);
    FAIL("a missing file was read");
  } catch (const sl::not_found& e) {
    CHECK(std::string(e.what()) == missing + "; No such file or directory");
    CHECK(e.node() == "ReaderReadV2");
  }
  CHECK(s.run(line) == "line");
  CHECK(s.run(reader.num_work_units_completed()) == 0);
}

TEST_CASE("a reader's state lives in each session; RunOptions::timeout bounds a read waiting for a file") {
  temp_dir dir("sessions");
  const std::string f = dir.write("f.txt", "one\ntwo\n");
  sl::Graph g;
  filenames files(g);
  sl::TextLineReader reader(g);
  auto read = reader.read(files.q);
  auto line = std::get<1>(read);
  sl::Session s1(g), s2(g);
  files.give(s1, {f});
  files.give(s2, {f}, false);
  CHECK(s1.run(line) == "one");
  CHECK(s2.run(line) == "one");
  CHECK(s2.run(line) == "two");
  CHECK(s1.run(line) == "two");
  CHECK(s1.run(reader.num_records_produced()) == 2);
  sl::RunOptions bounded;
  bounded.timeout = 20ms;
  CHECK_THROWS_AS(s2.run(line, {}, bounded), sl::deadline_exceeded);  // s2's queue is open and empty
  CHECK_THROWS_AS(s1.run(line), sl::out_of_range);
}

TEST_CASE("shared_name: one reader for the nodes and sessions naming it; another kind under the name fails") {
  temp_dir dir("shared");
  const std::string f = dir.write("f.txt", "one\ntwo\nthree\n");
  sl::Graph g;
  filenames files(g);
  sl::TextLineReader reader(g, 0, {.name = "lines", .shared_name = "r"});
  sl::TextLineReader same(g, 0, {.name = "same_lines", .shared_name = "r"});
  sl::TextLineReader own(g, 0, {.name = "own_lines"});
  auto line = std::get<1>(reader.read(files.q));
  auto same_line = std::get<1>(same.read(files.q));
  auto own_line = std::get<1>(own.read(files.q));
  sl::Session s1(g), s2(g);
  files.give(s1, {f, f, f});  // one for the shared reader, one for own, one after the shared reader's first
  files.give(s2, {}, false);  // s2's own queue stays empty: its reads continue s1's file
  CHECK(s1.run(line) == "one");
  CHECK(s2.run(line) == "two");       // the same reader, mid-file
  CHECK(s1.run(same_line) == "three");  // another node naming it
  CHECK(s2.run(same.num_records_produced()) == 3);
  CHECK(s1.run(own_line) == "one");  // a private reader starts its own file
  CHECK(s1.run(own.num_records_produced()) == 1);

  sl::FixedLengthRecordReader other(g, 4, 0, 0, 0, {.name = "records", .shared_name = "r"});
  auto record = std::get<1>(other.read(files.q));
  const std::string m = message_of<sl::invalid_argument>([&] { s1.run(record); });
  CHECK(m == "Shared reader 'r' was made by a TextLineReaderV2 node with other attributes than node records "
             "(FixedLengthRecordReaderV2) asks for");
  sl::TextLineReader skipping(g, 1, {.name = "skipping", .shared_name = "r"});  // same kind, other attributes
  CHECK(message_of<sl::invalid_argument>([&] { s1.run(skipping.num_records_produced()); }).find("node skipping") !=
        std::string::npos);
  CHECK(s1.run(line) == "one");  // the sessions stay usable: the shared reader reads on into the second file
  CHECK(s2.run(reader.num_work_units_completed()) == 1);
}

TEST_CASE("Session::close cancels a read waiting for a file name") {
  sl::Graph g;
  filenames files(g);
  sl::IdentityReader reader(g);
  auto read = reader.read(files.q);
  auto key = std::get<0>(read);
  sl::Session s(g);
  s.run(files.q.size());  // the queue exists
  std::string what;
  std::thread blocked([&] { what = message_of<sl::cancelled>([&] { s.run(key); }); });
  std::this_thread::sleep_for(20ms);
  s.close();
  blocked.join();
  CHECK(starts_with(what, "Dequeue operation was cancelled"));
}
