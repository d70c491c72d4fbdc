// Readers and input pipelines across threads (issue 14; the 'concurrency'
// suite, run under ThreadSanitizer in CI): several threads reading one
// reader see every record exactly once; string_input_producer's runner feeds
// readers for num_epochs epochs then closes; batch and shuffle_batch with
// runner threads deliver every example once (also IDX images and labels of
// two files, kept together); stopping the coordinator leaves no thread waiting.
#include <doctest/doctest.h>

#include <sessionlib/input.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "reader_files.hpp"

namespace sl = sessionlib;
using reader_test::temp_dir;

namespace {
/// n files of `lines` lines each: "<file index>-<line index>".
std::vector<std::string> text_files(const temp_dir& dir, int n, int lines) {
  std::vector<std::string> out;
  for (int f = 0; f < n; ++f) {
    std::string text;
    for (int l = 0; l < lines; ++l) text += reader_test::cat(std::to_string(f), "-", std::to_string(l), "\n");
    out.push_back(dir.write(reader_test::cat("f", std::to_string(f), ".txt"), text));
  }
  return out;
}

/// Runs `step()` on `threads` threads, each until it sees the input's end
/// (sl::out_of_range); returns how many did.
template <class F>
int run_to_end(int threads, F&& step) {
  std::atomic<int> ended{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (;;) {
        try {
          step();
        } catch (const sl::out_of_range&) {
          ++ended;
          return;
        }
      }
    });
  for (auto& t : ts) t.join();
  return ended;
}
}  // namespace

TEST_CASE("four threads read one reader: every record exactly once, then each sees the end") {
  temp_dir dir("threads");
  const auto files = text_files(dir, 6, 50);
  sl::Graph g;
  auto q = sl::train::string_input_producer(g, files, /*num_epochs=*/1, /*shuffle=*/false);
  sl::TFRecordReader unused(g);  // another reader in the graph changes nothing
  sl::TextLineReader reader(g);
  auto read = reader.read(q);  // (no structured binding: clang 14 lambdas cannot capture one)
  auto key = std::get<0>(read);
  auto line = std::get<1>(read);
  sl::Session s(g);
  sl::train::Coordinator coord;
  auto runners = sl::train::start_queue_runners(s, coord);
  std::mutex m;
  std::map<std::string, int> seen;
  const int ended = run_to_end(4, [&] {
    auto [k, v] = s.run(std::tuple{key, line});
    std::lock_guard lock(m);
    ++seen[v];
    CHECK(k.find(".txt:") != std::string::npos);
  });
  coord.request_stop();
  coord.join(runners);
  CHECK(ended == 4);
  CHECK(seen.size() == 300);
  CHECK(std::all_of(seen.begin(), seen.end(), [](const auto& e) { return e.second == 1; }));
  CHECK(s.run(reader.num_records_produced()) == 300);
  CHECK(s.run(reader.num_work_units_completed()) == 6);
}

TEST_CASE("four threads read_up_to one reader: every record exactly once, batches never span files") {
  temp_dir dir("upto_threads");
  const auto files = text_files(dir, 5, 23);  // 23 lines: each file ends in a short batch
  sl::Graph g;
  auto q = sl::train::string_input_producer(g, files, /*num_epochs=*/1, /*shuffle=*/false);
  sl::TextLineReader reader(g);
  auto read = reader.read_up_to(q, 4);
  auto keys = std::get<0>(read);
  auto lines = std::get<1>(read);
  sl::Session s(g);
  sl::train::Coordinator coord;
  auto runners = sl::train::start_queue_runners(s, coord);
  std::mutex m;
  std::map<std::string, int> seen;
  int bad_batches = 0;  // (under m)
  const int ended = run_to_end(4, [&] {
    auto [k, v] = s.run(std::tuple{keys, lines});
    const std::string file = k(0).substr(0, k(0).rfind(':'));
    std::lock_guard lock(m);
    if (v.size() == 0 || v.size() > 4 || k.size() != v.size()) ++bad_batches;
    for (std::size_t i = 0; i < v.size(); ++i) {
      ++seen[v(i)];
      if (k(i).substr(0, k(i).rfind(':')) != file) ++bad_batches;
    }
  });
  coord.request_stop();
  coord.join(runners);
  CHECK(ended == 4);
  CHECK(bad_batches == 0);
  CHECK(seen.size() == 115);
  CHECK(std::all_of(seen.begin(), seen.end(), [](const auto& e) { return e.second == 1; }));
  CHECK(s.run(reader.num_records_produced()) == 115);
  CHECK(s.run(reader.num_work_units_completed()) == 5);
}

TEST_CASE("string_input_producer: num_epochs epochs, shuffled per epoch, reproducible with a seed") {
  temp_dir dir("epochs");
  const auto files = text_files(dir, 5, 1);
  auto order = [&](std::uint64_t seed) {
    sl::Graph g;
    auto q = sl::train::string_input_producer(g, files, /*num_epochs=*/2, /*shuffle=*/true, seed);
    sl::IdentityReader reader(g);
    auto read = reader.read(q);
  auto value = std::get<1>(read);
    sl::Session s(g);
    sl::train::Coordinator coord;
    auto runners = sl::train::start_queue_runners(s, coord);
    std::vector<std::string> out;
    try {
      for (;;) out.push_back(s.run(value));
    } catch (const sl::out_of_range& e) {
      CHECK(std::string(e.what()).find("is closed and has insufficient elements") != std::string::npos);
    }
    coord.request_stop();
    coord.join(runners);
    return out;
  };
  const auto a = order(7), b = order(7);
  REQUIRE(a.size() == 10);
  CHECK(a == b);
  std::vector<std::string> first(a.begin(), a.begin() + 5), second(a.begin() + 5, a.end());
  CHECK(std::set<std::string>(first.begin(), first.end()) == std::set<std::string>(files.begin(), files.end()));
  CHECK(std::set<std::string>(second.begin(), second.end()) == std::set<std::string>(files.begin(), files.end()));
  sl::Graph empty;
  CHECK_THROWS_WITH_AS(sl::train::string_input_producer(empty, std::vector<std::string>{}),
                       "string_input_producer requires a non-null input tensor", sl::invalid_argument);
}

TEST_CASE("files -> FixedLengthRecordReader -> decode_raw -> shuffle_batch<4>: every example once") {
  temp_dir dir("pipeline");
  // 3 files of 8 records: a label byte and 3 pixel bytes each, label = record number.
  std::vector<std::string> files;
  for (int f = 0; f < 3; ++f) {
    std::string bytes;
    for (int r = 0; r < 8; ++r) {
      const int id = f * 8 + r;
      bytes += static_cast<char>(id);
      bytes += std::string(3, static_cast<char>(id + 100));
    }
    files.push_back(dir.write(reader_test::cat("r", std::to_string(f), ".bin"), bytes));
  }
  sl::Graph g;
  g.set_seed(3);
  auto q = sl::train::string_input_producer(g, files, 1);
  sl::FixedLengthRecordReader reader(g, 4);
  auto read = reader.read(q);
  auto record = std::get<1>(read);
  auto bytes = sl::reshape<sl::shape<4>>(sl::decode_raw<std::uint8_t>(record));
  auto label = sl::cast<std::int32_t>(sl::slice<sl::offsets<0>, sl::sizes<1>>(bytes));
  auto pixels = sl::cast<float>(sl::slice<sl::offsets<1>, sl::sizes<3>>(bytes));
  auto [xs, ys] = sl::train::shuffle_batch<4>(std::tuple{pixels, label}, /*capacity=*/20, /*min_after_dequeue=*/5,
                                             /*seed=*/0, {.num_threads = 2});
  static_assert(std::is_same_v<decltype(xs), sl::Tensor<float, sl::shape<4, 3>>>);
  sl::Session s(g);
  sl::train::Coordinator coord;
  auto runners = sl::train::start_queue_runners(s, coord);
  std::multiset<int> labels;
  try {
    for (;;) {
      auto [x, y] = s.run(std::tuple{xs, ys});
      for (std::size_t i = 0; i < 4; ++i) {
        labels.insert(y(i, 0));
        CHECK(x(i, 2) == static_cast<float>(y(i, 0) + 100));
      }
    }
  } catch (const sl::out_of_range&) {
  }
  coord.request_stop();
  coord.join(runners);
  CHECK(labels.size() == 24);
  for (int id = 0; id < 24; ++id) CHECK(labels.count(id) == 1);
}

TEST_CASE("batch with allow_smaller_final_batch: the last batch holds what is left") {
  sl::Graph g;
  auto q = sl::train::string_input_producer(g, {"a", "b", "c", "d", "e"}, 1, false);
  sl::IdentityReader reader(g);
  auto read = reader.read(q);
  auto value = std::get<1>(read);
  auto batches = sl::train::batch(value, 2, 10, {.allow_smaller_final_batch = true});
  static_assert(std::is_same_v<decltype(batches), sl::Tensor<std::string, sl::shape<sl::dyn>>>);
  sl::Session s(g);
  sl::train::Coordinator coord;
  auto runners = sl::train::start_queue_runners(s, coord);
  std::vector<std::size_t> sizes;
  std::vector<std::string> all;
  try {
    for (;;) {
      xt::xtensor<std::string, 1> b = s.run(batches);
      sizes.push_back(b.size());
      all.insert(all.end(), b.begin(), b.end());
    }
  } catch (const sl::out_of_range&) {
  }
  coord.request_stop();
  coord.join(runners);
  CHECK(sizes == std::vector<std::size_t>{2, 2, 1});
  CHECK(all == std::vector<std::string>{"a", "b", "c", "d", "e"});
}

TEST_CASE("a pipeline without num_epochs: stopping the coordinator and closing the session leave no thread waiting") {
  sl::Graph g;
  auto q = sl::train::string_input_producer(g, {"x", "y"});
  sl::IdentityReader reader(g);
  auto read = reader.read(q);
  auto value = std::get<1>(read);
  auto b = sl::train::batch<3>(value, 3, 4);
  sl::Session s(g);
  sl::train::Coordinator coord;
  auto runners = sl::train::start_queue_runners(s, coord);
  for (int i = 0; i < 5; ++i) {
    xt::xtensor<std::string, 1> v = s.run(b);
    CHECK(v.size() == 3);
  }
  coord.request_stop();
  coord.join(runners);
  s.close();
}

TEST_CASE("a read waiting for its reader's turn: bounded by RunOptions::timeout, cancelled by Session::close") {
  using namespace std::chrono_literals;
  sl::Graph g;
  sl::FIFOQueue<std::string, sl::shape<>> files(g, 4);
  sl::IdentityReader reader(g);
  auto read = reader.read(files);
  auto key = std::get<0>(read);
  sl::Session s(g);
  s.run(files.size());  // the queue exists
  std::string first;
  std::thread holder([&] {  // takes the reader's turn and waits in the empty queue
    try {
      s.run(key);
    } catch (const sl::cancelled& e) {
      first = e.what();
    }
  });
  std::this_thread::sleep_for(50ms);
  sl::RunOptions bounded;
  bounded.timeout = 30ms;
  try {
    s.run(key, {}, bounded);
    FAIL("a read ran while another had the reader");
  } catch (const sl::deadline_exceeded& e) {
    const std::string what = e.what();
    CHECK((what.find("was waiting for its reader") != std::string::npos ||
           what.find("was waiting on FIFOQueue") != std::string::npos));
  }
  std::string second;
  std::thread waiter([&] {
    try {
      s.run(key);
    } catch (const sl::cancelled& e) {
      second = e.what();
    }
  });
  std::this_thread::sleep_for(20ms);
  CHECK(s.run(reader.num_records_produced()) == 0);  // counts never wait behind a blocked read
  s.close();
  holder.join();
  waiter.join();
  CHECK(first.rfind("Dequeue operation was cancelled", 0) == 0);
  CHECK((second.rfind("Read operation was cancelled", 0) == 0 || second.rfind("Dequeue operation was cancelled", 0) == 0));
}

TEST_CASE("IDX images and labels through shuffle_batch: every example once, each image with its own label") {
  temp_dir dir("idx_pipeline");
  constexpr int n = 40;
  std::string image_data;  // image i: 4 pixels, all i; label i: i % 10
  for (int i = 0; i < n; ++i) image_data += std::string(4, static_cast<char>(i));
  const std::string image_file = reader_test::write_gz(dir, "images.gz", reader_test::idx_bytes({n, 2, 2}, image_data));
  const std::string label_file = reader_test::write_gz(dir, "labels.gz", reader_test::idx_labels(n));
  REQUIRE_FALSE(image_file.empty());
  REQUIRE_FALSE(label_file.empty());
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
