// Inter-op parallelism (issue 5): a plan with independent heavy steps runs them
// side by side on inter_op_threads. Values equal the sequential plan's, errors
// surface with their node name, traces keep every step, and inter_op_threads = 1
// or a small graph keeps the sequential path. CI runs this under ThreadSanitizer.
#include <atomic>
#include <set>
#include <string>

#include <tbb/task_arena.h>

#include <sessionlib/custom_op.hpp>  // split_work, for the probe kernel
#include <sessionlib/ops/linalg.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/ops/reduce.hpp>

#include "session_test.hpp"

#if defined(__SANITIZE_THREAD__)
#define PARALLEL_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PARALLEL_TEST_TSAN 1
#endif
#endif
#ifdef PARALLEL_TEST_TSAN
// oneTBB's task_group writes a task's bookkeeping in its headers and reads it on
// another thread after a hand-off inside libtbb, which ThreadSanitizer does not
// see (see runtime/executor.hpp). Only reports whose top frame is that
// bookkeeping, for the executor's task type, are suppressed.
extern "C" const char* __tsan_default_suppressions() {
  return "race_top:tbb::detail::d1::function_task<sessionlib::detail::parallel_run::spawned>::execute\n";
}
#endif

namespace {
constexpr std::size_t n = 96;
using mat = sl::shape<96, 96>;

xt::xtensor<float, 2> values(std::size_t rows, std::size_t cols, int seed) {
  xt::xtensor<float, 2> v = xt::xtensor<float, 2>::from_shape({rows, cols});
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      v(i, j) = static_cast<float>((static_cast<int>(i * 7 + j * 3) + seed) % 11) / 11.0f - 0.5f;
  return v;
}

sl::SessionConfig config(int intra, int inter) {
  sl::SessionConfig c;
  c.intra_op_threads = intra;
  c.inter_op_threads = inter;
  return c;
}

/// Whether the plan for fetching `t` with `fed` fed runs steps side by side.
template <class T>
bool plan_is_parallel(sl::Graph& g, const T& t, std::vector<sl::output_ref> fed) {
  std::sort(fed.begin(), fed.end());
  const sl::detail::fetch_leaf leaf{t.id().node, true, t.id().index};
  return sl::detail::build_plan(g, std::span(&leaf, 1), fed)->parallel;
}

sl::RunOptions traced() {
  sl::RunOptions o;
  o.trace_level = sl::RunOptions::TraceLevel::full_trace;
  return o;
}

std::set<std::string> names(const sl::RunMetadata& md) {
  std::set<std::string> s;
  for (const auto& st : md.step_stats) s.insert(st.node_name);
  return s;
}
}  // namespace

TEST_CASE("two independent matmul branches: a parallel plan, the sequential plan's values on every run") {
  sl::Graph g;
  auto x = sl::placeholder<float, mat>(g, "x");
  auto w1 = sl::placeholder<float, mat>(g, "w1");
  auto w2 = sl::placeholder<float, mat>(g, "w2");
  auto y = sl::matmul(x, w1, "a") + sl::tanh(sl::matmul(x, w2, "b"));
  CHECK(plan_is_parallel(g, y, {x.id(), w1.id(), w2.id()}));

  sl::Session seq(g, config(1, 1)), par(g, config(1, 2));
  for (int run = 0; run < 40; ++run) {
    const auto xv = values(n, n, run), w1v = values(n, n, run + 1), w2v = values(n, n, run + 2);
    const xt::xtensor<float, 2> want = seq.run(y, {{x, xv}, {w1, w1v}, {w2, w2v}});
    const xt::xtensor<float, 2> got = par.run(y, {{x, xv}, {w1, w1v}, {w2, w2v}});
    REQUIRE(got == want);  // the same kernels on the same inputs: bitwise equal
  }
}

TEST_CASE("a diamond of matmuls, with a fetched middle and intra-op threads, agrees with the sequential plan") {
  sl::Graph g;
  auto x = sl::placeholder<float, mat>(g, "x");
  auto w = sl::placeholder<float, mat>(g, "w");
  auto top = sl::tanh(sl::matmul(x, w), "top");
  auto left = sl::matmul(top, w, "left");
  auto right = sl::matmul(w, top, "right");
  auto bottom = sl::reduce_sum<1>(left * right, "bottom");
  CHECK(plan_is_parallel(g, bottom, {x.id(), w.id()}));

  sl::Session seq(g, config(1, 1));
  for (const auto& threads : {std::pair{1, 2}, std::pair{2, 2}, std::pair{0, 0}}) {
    const int intra = threads.first, inter = threads.second;
    CAPTURE(intra);
    CAPTURE(inter);
    sl::Session par(g, config(intra, inter));
    for (int run = 0; run < 15; ++run) {
      const auto xv = values(n, n, 3 * run), wv = values(n, n, 5 * run + 1);
      const auto [b0, t0] = seq.run(std::tuple{bottom, top}, {{x, xv}, {w, wv}});
      const auto [b1, t1] = par.run(std::tuple{bottom, top}, {{x, xv}, {w, wv}});
      // OpenBLAS's thread count is process-wide: with two threads its sums may round differently.
      REQUIRE(xt::allclose(t1, t0, 1e-5, 1e-5));
      REQUIRE(xt::allclose(b1, b0, 1e-4, 1e-4));
    }
  }
}

TEST_CASE("an error in one branch surfaces with its node name; the other branch stops; the next run works") {
  sl::Graph g;
  auto x = sl::placeholder<float, mat>(g, "x");
  auto w = sl::placeholder<float, mat>(g, "w");
  auto odd = sl::placeholder<float, sl::shape<sl::dyn, 96>>(g, "odd");
  auto good = sl::tanh(sl::matmul(x, w, "good"));
  auto bad = sl::matmul(w, odd, "bad");  // inner dimensions checked at run time
  auto y = good + bad;
  CHECK(plan_is_parallel(g, y, {x.id(), w.id(), odd.id()}));

  sl::Session s(g, config(1, 2));
  const auto xv = values(n, n, 1), wv = values(n, n, 2);
  for (int run = 0; run < 10; ++run) {
    const auto wrong = values(50, n, run);
    CHECK_THROWS_WITH_AS(s.run(y, {{x, xv}, {w, wv}, {odd, wrong}}),
                         "Matrix size-incompatible: In[0]: [96,96], In[1]: [50,96]", sl::invalid_argument);
    try {
      s.run(y, {{x, xv}, {w, wv}, {odd, wrong}});
    } catch (const sl::error& e) {
      CHECK(e.node() == "bad");
    }
    const auto ok = values(n, n, run);
    const xt::xtensor<float, 2> got = s.run(y, {{x, xv}, {w, wv}, {odd, ok}});
    sl::Session seq(g, config(1, 1));
    const xt::xtensor<float, 2> want = seq.run(y, {{x, xv}, {w, wv}, {odd, ok}});
    REQUIRE(got == want);
  }
}

TEST_CASE("a traced parallel run has a step stat for every node the sequential trace has") {
  sl::Graph g;
  auto x = sl::placeholder<float, mat>(g, "x");
  auto w = sl::placeholder<float, mat>(g, "w");
  auto branches = sl::matmul(x, w, "m0") + sl::matmul(w, x, "m1") + sl::matmul(x, x, "m2") + sl::matmul(w, w, "m3");
  auto y = sl::reduce_sum<0, 1>(branches, "total");
  const auto xv = values(n, n, 4), wv = values(n, n, 7);

  sl::Session seq(g, config(1, 1)), par(g, config(1, 2));
  sl::RunMetadata want, got;
  const float a = seq.run(y, {{x, xv}, {w, wv}}, traced(), &want);
  for (int run = 0; run < 5; ++run) {
    sl::RunMetadata md;
    const float b = par.run(y, {{x, xv}, {w, wv}}, traced(), &md);
    CHECK(b == a);
    CHECK(md.step_stats.size() == want.step_stats.size());
    CHECK(names(md) == names(want));
    for (const auto& st : md.step_stats) CHECK(st.end_us >= st.start_us);
    CHECK(md.peak_bytes > 0);
  }
  CHECK(names(want).count("m3") == 1);
}

TEST_CASE("inter_op_threads = 1, or a chain, or a scalar graph: every step on the calling thread") {
  sl::Graph g;
  auto x = sl::placeholder<float, mat>(g, "x");
  auto w = sl::placeholder<float, mat>(g, "w");
  auto y = sl::matmul(x, w, "m0") + sl::matmul(w, x, "m1");
  auto chain = sl::matmul(sl::tanh(sl::matmul(x, w, "c0")), w, "c1");
  auto s1 = sl::placeholder<float, sl::shape<>>(g, "s1");
  auto scalar = (s1 * 2.0f) + (s1 + 1.0f) * (s1 - 3.0f);
  CHECK_FALSE(plan_is_parallel(g, chain, {x.id(), w.id()}));
  CHECK_FALSE(plan_is_parallel(g, scalar, {s1.id()}));
  const auto xv = values(n, n, 1), wv = values(n, n, 2);
  const std::uint64_t me = sl::detail::trace_thread_id();
  auto on_caller = [&](const sl::RunMetadata& md) {
    bool all = !md.step_stats.empty();
    for (const auto& st : md.step_stats) all = all && st.thread_id == me;
    return all;
  };
  SUBCASE("inter_op_threads = 1 with a parallel plan") {
    sl::Session s(g, config(1, 1));
    for (int run = 0; run < 5; ++run) {
      sl::RunMetadata md;
      s.run(y, {{x, xv}, {w, wv}}, traced(), &md);
      CHECK(md.step_stats.size() == 3);
      CHECK(on_caller(md));
    }
  }
  SUBCASE("inter_op_threads = 2 with a chain and a scalar graph") {
    sl::Session s(g, config(1, 2));
    sl::RunMetadata md;
    s.run(chain, {{x, xv}, {w, wv}}, traced(), &md);
    CHECK(on_caller(md));
    sl::RunMetadata md2;
    CHECK(s.run(scalar, {{s1, 2.0f}}, traced(), &md2) == doctest::Approx(1.0f));
    CHECK(on_caller(md2));
  }
}

TEST_CASE("stateful steps keep their order: two branches updating one variable give the exact total") {
  sl::Graph g;
  auto x = sl::placeholder<float, mat>(g, "x");
  sl::Variable<float, sl::shape<>> total(g, 0.0f, "total");
  auto inc1 = total.assign_add(sl::reduce_sum<0, 1>(sl::matmul(x, x)) * 0.0f + 1.0f);
  auto inc2 = total.assign_add(sl::reduce_sum<0, 1>(sl::matmul(x, sl::tanh(x))) * 0.0f + 2.0f);
  sl::Session s(g, config(1, 2));
  s.run(total.initializer());
  const auto xv = values(n, n, 3);
  for (int run = 0; run < 20; ++run) s.run(std::tuple{inc1, inc2}, {{x, xv}});
  CHECK(s.run(total.tensor()) == 60.0f);
}

TEST_CASE("a deadline stops a parallel run at a node boundary; the next run completes") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<128, 128>>(g, "x");
  auto left = sl::tanh(x), right = sl::tanh(x * 0.5f);
  for (int i = 0; i < 30; ++i) {  // two chains of 30 matmuls: milliseconds of work
    left = sl::tanh(sl::matmul(left, x));
    right = sl::tanh(sl::matmul(x, right));
  }
  auto y = left + right;
  CHECK(plan_is_parallel(g, y, {x.id()}));
  sl::Session s(g, config(1, 2));
  const auto xv = values(128, 128, 1);
  sl::RunOptions hurry;
  hurry.timeout = std::chrono::milliseconds(1);
  try {
    s.run(y, {{x, xv}}, hurry, nullptr);
    FAIL("the run should have timed out");
  } catch (const sl::deadline_exceeded& e) {
    CHECK(std::string(e.what()).starts_with(
        "Timed out waiting for the run to finish (RunOptions::timeout of 1 ms) before node "));
    CHECK(!e.node().empty());
  }
  sl::Session seq(g, config(1, 1));
  const xt::xtensor<float, 2> got = s.run(y, {{x, xv}});
  const xt::xtensor<float, 2> want = seq.run(y, {{x, xv}});
  CHECK(got == want);
}

namespace {
std::atomic<int> split_width{0}, run_width{0};
/// A pass-through kernel recording how many threads its split work may use,
/// and how many the arena it runs in has.
void probe_split(sl::kernel_context& ctx) {
  run_width = tbb::this_task_arena::max_concurrency();
  sl::split_work(ctx.split_arena, [] { split_width = tbb::this_task_arena::max_concurrency(); });
  ctx.out = ctx.input(0);
}
}  // namespace

TEST_CASE("a kernel splits its work in the intra-op arena; the run itself enters no arena") {
  const int everything = tbb::this_task_arena::max_concurrency();  // the caller's (default) arena
  // 3 threads on any machine tells the session's arena apart from the default one.
  for (int intra : {1, 3, 0}) {
    CAPTURE(intra);
    sl::Graph g;
    auto p = sl::placeholder<float, sl::shape<sl::dyn>>(g, "p");
    auto probe = sl::make_tensor<float, sl::shape<sl::dyn>>(g, {.op = "Probe", .inputs = {p.id()}, .kernel = probe_split});
    sl::Session sess(g, config(intra, 1));
    split_width = run_width = 0;
    const xt::xtensor<float, 1> pv = {1, 2, 3};
    CHECK(sess.run(probe, {{p, pv}}) == pv);
    CHECK(split_width == (intra > 0 ? intra : everything));
    CHECK(run_width == everything);
  }
}
