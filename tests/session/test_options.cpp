// RunOptions (timeout, tracing), RunMetadata's Chrome trace, SessionConfig's
// log_device_placement and thread counts.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "session_test.hpp"

namespace {
// A graph slow enough to pass a 1 ms deadline: 100 steps over 4M floats, each an
// elementwise op then an assign (stateful, so no optimisation merges the steps).
struct slow_graph {
  sl::Graph g;
  sl::Tensor<float, sl::shape<sl::dyn>> x = sl::placeholder<float, sl::shape<sl::dyn>>(g, "x");
  sl::Variable<float, sl::shape<sl::dyn>> v{g, xt::xtensor<float, 1>{0.0f}, "v"};
  sl::Tensor<float, sl::shape<sl::dyn>> y = [this] {
    auto t = x;
    for (int i = 0; i < 100; ++i) t = v.assign(t + 0.5f);
    return t;
  }();
};
}  // namespace

TEST_CASE("RunOptions::timeout: deadline_exceeded at a node boundary, the session stays usable") {
  slow_graph sg;
  auto small = sl::constant(sg.g, 2) * 21;
  sl::Session s(sg.g);
  xt::xtensor<float, 1> big = xt::zeros<float>({std::size_t{1} << 22});
  sl::RunOptions opts;
  opts.timeout = std::chrono::milliseconds(1);
  try {
    s.run(sg.y, {{sg.x, big}}, opts);
    FAIL("the run finished within 1 ms");
  } catch (const sl::deadline_exceeded& e) {
    CHECK(e.code() == sl::error_code::deadline_exceeded);
    CHECK(std::string(e.what()).rfind("Timed out", 0) == 0);
    CHECK_FALSE(e.node().empty());
  }
  CHECK(s.run(small) == 42);
  xt::xtensor<float, 1> one{0.0f};
  auto r = s.run(sg.y, {{sg.x, one}});  // no deadline: completes
  CHECK(r.size() == 1);
  CHECK(r(0) == 50.0f);
  sl::RunOptions generous;
  generous.timeout = std::chrono::milliseconds(60000);
  CHECK(s.run(sg.y, {{sg.x, one}}, generous)(0) == r(0));
}

TEST_CASE("a traced run's step stats and its Chrome trace") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<4>>(g, "x");
  auto y = x * 2.0f;
  auto z = y + x;
  sl::Session s(g);
  sl::RunOptions opts;
  opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  s.run(z, {{x, xt::xtensor<float, 1>{1, 2, 3, 4}}}, opts, &md);
  std::set<std::string> names;
  for (const auto& st : md.step_stats) {
    names.insert(st.node_name);
    CHECK(st.end_us >= st.start_us);
  }
  CHECK(names.count(z.op_name()) == 1);

  const std::string path = "test_session_trace.json";
  md.write_chrome_trace(path);
  std::ifstream f(path);
  const auto json = nlohmann::json::parse(f);
  REQUIRE(json.contains("traceEvents"));
  std::size_t ops = 0;
  bool saw_z = false;
  for (const auto& e : json["traceEvents"]) {
    if (e["ph"] != "X") continue;
    ++ops;
    CHECK(e["cat"] == "op");
    CHECK(e["pid"] == 1);
    CHECK(e["dur"].get<std::int64_t>() >= 0);
    CHECK(e["ts"].get<std::int64_t>() >= 0);
    CHECK(e["tid"].is_number_integer());
    if (e["name"] == z.op_name()) {
      saw_z = true;
      CHECK(e["args"]["output_bytes"] == 16);
      CHECK(e["args"]["op"].get<std::string>().size() > 0);  // "add", or the fused chain's op
    }
  }
  CHECK(ops == md.step_stats.size());
  CHECK(saw_z);
  std::remove(path.c_str());
  CHECK_THROWS_AS(md.write_chrome_trace("/nonexistent-dir/trace.json"), sl::not_found);
}

TEST_CASE("names with quotes are escaped in the trace") {
  sl::RunMetadata md;
  md.step_stats.push_back({"a\"b\\c", "Op\n", 1, 3, 7, 8});
  const std::string path = "test_session_trace_escape.json";
  md.write_chrome_trace(path);
  std::ifstream f(path);
  const auto json = nlohmann::json::parse(f);
  bool found = false;
  for (const auto& e : json["traceEvents"])
    if (e["ph"] == "X") {
      found = true;
      CHECK(e["name"] == "a\"b\\c");
      CHECK(e["args"]["op"] == "Op\n");
      CHECK(e["dur"] == 2);
      CHECK(e["tid"] == 7);
    }
  CHECK(found);
  std::remove(path.c_str());
}

TEST_CASE("SessionConfig: log_device_placement prints each node's device once per plan") {
  sl::Graph g;
  auto a = sl::placeholder<float, sl::shape<>>(g, "a");
  auto b = sl::multiply(a, a, "b");
  std::ostringstream captured;
  auto* old = std::cerr.rdbuf(captured.rdbuf());
  std::string first;
  {
    sl::SessionConfig cfg;
    cfg.log_device_placement = true;
    sl::Session s(g, cfg);
    CHECK(s.run(b, {{a, 3.0f}}) == 9.0f);
    first = captured.str();
    s.run(b, {{a, 2.0f}});  // the plan is cached: nothing more is printed
    sl::Session quiet(g);
    quiet.run(b, {{a, 2.0f}});
  }
  std::cerr.rdbuf(old);
  CHECK(captured.str() == first);
  const std::string line = "b: (" + g.at(b.id()).op + "): /job:localhost/replica:0/task:0/device:CPU:0\n";
  CHECK(first.find(line) != std::string::npos);
  std::istringstream lines(first);
  for (std::string l; std::getline(lines, l);)
    CHECK(l.find("): /job:localhost/replica:0/task:0/device:CPU:0") != std::string::npos);
}

TEST_CASE("SessionConfig thread counts: one inter-op thread runs every node on one thread") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn>>(g, "x");
  auto l = x * 2.0f, r = x + 1.0f;  // independent branches
  auto y = l * r;
  sl::SessionConfig cfg;
  cfg.inter_op_threads = 1;
  cfg.intra_op_threads = 1;
  sl::Session s(g, cfg);
  CHECK(s.config().inter_op_threads == 1);
  sl::RunOptions opts;
  opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  xt::xtensor<float, 1> v = xt::ones<float>({1000});
  CHECK(s.run(y, {{x, v}}, opts, &md)(0) == 4.0f);
  std::set<std::uint64_t> threads;
  for (const auto& st : md.step_stats) threads.insert(st.thread_id);
  CHECK(threads.size() == 1);
}
