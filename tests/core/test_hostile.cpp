// Hostile run-time input (issue 11): a size computed from input never wraps, an
// allocation that cannot be made is sl::resource_exhausted naming the node, and
// the session stays usable after either; a name fetch works beside any leaf.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <sessionlib/ops/array_fill.hpp>
#include <sessionlib/ops/linalg.hpp>
#include <sessionlib/session/into.hpp>
#include <sessionlib/session/partial_run.hpp>

#include "probe_op.hpp"

// Huge requests must fail as allocations (std::bad_alloc), not abort the test:
// AddressSanitizer's allocator aborts on them unless told to return null.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

TEST_CASE("checked sizes: products that wrap, negative and NaN sizes are errors naming their source") {
  std::vector<std::uint64_t> wraps{4194304, 2097152, 2097152};
  CHECK_THROWS_WITH_AS(sl::checked_elements<sl::data_loss>(wraps, "f.idx"),
                       "f.idx: shape (4194304, 2097152, 2097152) has too many elements", sl::data_loss);
  std::vector<std::int64_t> negative{3, -1};
  CHECK_THROWS_WITH_AS(sl::checked_elements(negative, "x"), "x: negative dimension in shape (3, -1)",
                       sl::invalid_argument);
  std::vector<std::uint64_t> empty_but_huge{0, std::uint64_t{1} << 63};
  CHECK_THROWS_AS(sl::checked_elements(empty_but_huge, "x"), sl::invalid_argument);
  std::vector<std::uint64_t> zero_first{0, std::uint64_t{1} << 40, std::uint64_t{1} << 40};  // strides overflow
  CHECK_THROWS_AS(sl::checked_elements(zero_first, "x"), sl::invalid_argument);
  std::vector<std::uint64_t> zero_last{std::uint64_t{1} << 40, std::uint64_t{1} << 40, 0};
  CHECK_THROWS_AS(sl::checked_elements(zero_last, "x"), sl::invalid_argument);
  CHECK(sl::checked_elements(std::vector<int>{0, 1000, 1000}, "x") == 0);
  // Found by fuzz_checkpoint_index: (0, 2^31, 2^31) has element strides that fit, byte strides that do not.
  std::vector<std::uint64_t> byte_strides{0, std::uint64_t{1} << 31, std::uint64_t{1} << 31};
  CHECK(sl::checked_elements(byte_strides, "x") == 0);
  CHECK_THROWS_WITH_AS(sl::checked_shape_bytes<sl::data_loss>(byte_strides, 4, "f"),
                       "f: shape (0, 2147483648, 2147483648) of 4-byte elements has too many bytes", sl::data_loss);
  CHECK(sl::checked_shape_bytes(std::vector<int>{2, 3}, 8, "x") == 48);
  std::size_t bytes = 0;
  CHECK_FALSE(sl::detail::shape_bytes(sl::dims{0, std::size_t{1} << 40, std::size_t{1} << 40}, 4, bytes));
  CHECK(sl::detail::shape_bytes(sl::dims{0, 1000, 1000}, 4, bytes));
  CHECK(bytes == 0);
  CHECK(sl::checked_elements(std::vector<int>{2, 3, 4}, "x") == 24);
  CHECK(sl::checked_elements(std::vector<int>{}, "x") == 1);
  CHECK(sl::checked_bytes(std::size_t{1} << 40, 4, "x") == std::size_t{1} << 42);
  CHECK_THROWS_AS(sl::checked_bytes(std::size_t{1} << 62, 8, "x"), sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sl::checked_count(std::nan(""), "r", "limit"), "r: limit nan is not a valid size",
                       sl::invalid_argument);
  CHECK_THROWS_AS(sl::checked_count(1e30f, "r", "limit"), sl::invalid_argument);
  CHECK_THROWS_AS(sl::checked_count(-1, "r", "limit"), sl::invalid_argument);
  CHECK(sl::checked_count(7.0, "r", "limit") == 7);
}

TEST_CASE("every TF code has its class, and throw_error raises the class of a code") {
  using c = sl::error_code;
  for (auto code : {c::cancelled, c::unknown, c::invalid_argument, c::deadline_exceeded, c::not_found,
                    c::already_exists, c::permission_denied, c::resource_exhausted, c::failed_precondition,
                    c::aborted, c::out_of_range, c::unimplemented, c::internal, c::unavailable, c::data_loss,
                    c::unauthenticated}) {
    try {
      sl::throw_error(code, "m", "n");
    } catch (const sl::error& e) {
      CHECK(e.code() == code);
      CHECK(e.node() == "n");
      CHECK(std::string(e.what()) == "m");
    }
  }
  CHECK_THROWS_AS(sl::throw_error(c::resource_exhausted, "m"), sl::resource_exhausted);
  CHECK_THROWS_AS(sl::throw_error(c::out_of_range, "m"), sl::out_of_range);
  CHECK_THROWS_AS(sl::throw_error(c::internal, "m"), sl::internal);
  CHECK(sl::error_code_name(c::resource_exhausted) == "RESOURCE_EXHAUSTED");
  CHECK(static_cast<int>(c::data_loss) == 15);
}

TEST_CASE("range: a count that overflows, NaN and out-of-range floats are errors, not a wrapped size") {
  sl::Graph g;
  auto start = sl::placeholder<std::int64_t, shape<>>(g, "start");
  auto limit = sl::placeholder<std::int64_t, shape<>>(g, "limit");
  auto r = sl::range(start, limit, sl::constant(g, std::int64_t{1}), "rng");
  auto fs = sl::placeholder<float, shape<>>(g, "fs");
  auto fl = sl::placeholder<float, shape<>>(g, "fl");
  auto rf = sl::range(fs, fl, sl::constant(g, 1.0f), "rngf");
  sl::Session sess(g);

  try {
    (void)sess.run(r, {{start, std::int64_t{0}}, {limit, std::int64_t{1} << 62}});
    FAIL("range to 2^62 must fail");
  } catch (const sl::invalid_argument& e) {
    CHECK(e.node() == "rng");
    CHECK(std::string(e.what()).starts_with("Requires ((limit - start) / delta) <= "));
  }
  CHECK_THROWS_WITH_AS((void)sess.run(rf, {{fs, 0.0f}, {fl, std::nanf("")}}),
                       "Requires start, limit and delta to be finite: 0/nan/1", sl::invalid_argument);
  CHECK_THROWS_AS((void)sess.run(rf, {{fs, 0.0f}, {fl, 1e30f}}), sl::invalid_argument);
  CHECK_THROWS_AS((void)sess.run(rf, {{fs, 0.0f}, {fl, std::numeric_limits<float>::infinity()}}),
                  sl::invalid_argument);
  SUBCASE("range to 2^40 int64 values (8 TiB) cannot be allocated: resource_exhausted naming the node") {
    try {
      (void)sess.run(r, {{start, std::int64_t{0}}, {limit, std::int64_t{1} << 40}});
      FAIL("a run needing 8 TiB must fail");
    } catch (const sl::resource_exhausted& e) {
      CHECK(e.node() == "rng");
      CHECK(std::string(e.what()) ==
            "OOM when allocating tensor with shape (1099511627776,) and type int64 (8796093022208 bytes)\n\t [[node rng]]");
    }
  }
  // The session stays usable.
  CHECK(sess.run(r, {{start, std::int64_t{2}}, {limit, std::int64_t{5}}}) == xt::xtensor<std::int64_t, 1>{2, 3, 4});
  CHECK(sess.run(rf, {{fs, 0.0f}, {fl, 2.5f}}) == xt::xtensor<float, 1>{0, 1, 2});
}

TEST_CASE("results too large to allocate are resource_exhausted; the session stays usable") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn, 1>>(g, "a");
  auto b = sl::placeholder<float, shape<1, dyn>>(g, "b");
  auto mm = sl::matmul(a, b);
  auto add = sl::add(a, b);
  sl::Session sess(g);
  xt::xtensor<float, 2> big_a = xt::ones<float>({std::size_t{1} << 20, std::size_t{1}});
  xt::xtensor<float, 2> big_b = xt::ones<float>({std::size_t{1}, std::size_t{1} << 20});
  for (auto* t : {&mm, &add}) {
    try {
      (void)sess.run(*t, {{a, big_a}, {b, big_b}});
      FAIL("a 4 TiB result must fail");
    } catch (const sl::resource_exhausted& e) {
      CHECK(t->name() == e.node() + ":0");
      CHECK(std::string(e.what()).starts_with(
          "OOM when allocating tensor with shape (1048576, 1048576) and type float32 (4398046511104 bytes)"));
    }
  }
  xt::xtensor<float, 2> sa{{1}, {2}}, sb{{3, 4}};
  CHECK(sess.run(mm, {{a, sa}, {b, sb}}) == xt::xtensor<float, 2>{{3, 4}, {6, 8}});
  CHECK(sess.run(add, {{a, sa}, {b, sb}}) == xt::xtensor<float, 2>{{4, 5}, {5, 6}});
}

TEST_CASE("a name fetch works beside any other leaf, in every structure and in run_into") {
  sl::Graph g;
  auto b = sl::constant(g, {1.0f, 2.0f});
  (void)sl::multiply(b, 3.0f, "m");
  sl::Session sess(g);
  auto [bv, mv] = sess.run(std::tuple{b, std::string("m:0")});  // a rank-1 leaf first: lent
  CHECK(bv == xt::xtensor<float, 1>{1, 2});
  CHECK(mv.as<float, 1>() == xt::xtensor<float, 1>{3, 6});
  auto [bv2, names] = sess.run(std::pair{b, std::vector<std::string>{"m:0", "m"}});
  CHECK(bv2 == xt::xtensor<float, 1>{1, 2});
  REQUIRE(names.size() == 2);
  CHECK(names[0].as<float, 1>() == xt::xtensor<float, 1>{3, 6});
  CHECK(names[1].empty_handle());  // "m" without ":0" is the operation: run, TF's None
  std::tuple<xt::xtensor<float, 1>, sl::any_array> out;
  sess.run_into(out, std::tuple{b, std::string("m:0")});
  CHECK(std::get<0>(out) == xt::xtensor<float, 1>{1, 2});
  CHECK(std::get<1>(out).as<float, 1>() == xt::xtensor<float, 1>{3, 6});
}

TEST_CASE("partial_run plans with the session's SessionConfig::optimizer") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn>>(g, "x");
  auto y = probe::probe(x) + probe::probe(x);  // merged only with common_subexpressions on
  xt::xtensor<float, 1> xv = {1, 2};
  for (bool cse : {true, false}) {
    CAPTURE(cse);
    sl::SessionConfig c;
    c.optimizer.common_subexpressions = cse;
    sl::Session sess(g, c);
    auto h = sess.partial_run_setup(y, sl::feed_list(x));
    probe::runs = 0;
    CHECK(sess.partial_run(h, y, {{x, xv}}) == xt::xtensor<float, 1>{2, 4});
    CHECK(probe::runs == (cse ? 1 : 2));
  }
}
