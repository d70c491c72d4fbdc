// The MPI part under mpirun (suite `mpi`, -np 2 and -np 3): the engine behind
// the target "mpi", the collectives' values on every rank (each rank's input a
// function of its rank, the expected results computed here), their gradients,
// broadcast_global_variables, and the errors every rank must see alike.
#include <doctest/doctest.h>

#include <numeric>
#include <optional>
#include <type_traits>

#include <sessionlib/mpi.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
const int rank = sl::mpi::rank();
const int size = sl::mpi::size();

/// Rank r's input: r + 1 + 10 i, i = 0, 1, 2 (as float).
xt::xtensor<float, 1> input_of(int r) { return {r + 1.f, r + 11.f, r + 21.f}; }
}  // namespace

TEST_CASE("mpi: rank, size and the session's target and devices") {
  CHECK(size >= 2);
  CHECK(rank >= 0);
  CHECK(rank < size);
  CHECK(sl::mpi::detail::world::get().thread_level() == MPI_THREAD_MULTIPLE);
  sl::Graph g;
  for (const char* target : {"mpi", "mpi://"}) {
    sl::Session s(g, {}, target);
    CHECK(s.sess_str() == target);
    const auto devices = s.list_devices();
    REQUIRE(devices.size() == static_cast<std::size_t>(size));
    for (int r = 0; r < size; ++r) {
      CHECK(devices[static_cast<std::size_t>(r)].name == "/job:worker/replica:0/task:" + std::to_string(r) + "/device:CPU:0");
      CHECK(devices[static_cast<std::size_t>(r)].device_type == "CPU");
    }
  }
  CHECK_THROWS_WITH_AS(sl::Session(g, {}, "mpi://node1:2222"),
                       "Session target 'mpi://node1:2222': the MPI engine takes \"mpi\" or \"mpi://\" (mpirun places "
                       "the ranks)",
                       sl::invalid_argument);
  // With the part in the program, an unknown target lists it.
  CHECK_THROWS_WITH_AS(sl::Session(g, {}, "grpc://localhost:2222"),
                       "No session factory registered for the given session options: "
                       "{target: \"grpc://localhost:2222\"} Registered factories are {DIRECT_SESSION (\"\"), mpi}.",
                       sl::unimplemented);
}

TEST_CASE("mpi: allreduce sums, averages, takes the min and max over ranks") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<3>>(g, "x");
  auto n = sl::placeholder<std::int64_t, shape<dyn>>(g, "n");
  auto sum = sl::mpi::allreduce(x);
  auto mean = sl::mpi::allreduce(x, sl::mpi::reduce_op::mean);
  auto lo = sl::mpi::allreduce(x, sl::mpi::reduce_op::min);
  auto hi = sl::mpi::allreduce(x, sl::mpi::reduce_op::max);
  auto nsum = sl::mpi::allreduce(n);
  static_assert(std::is_same_v<decltype(sum), sl::Tensor<float, shape<3>>>);
  static_assert(std::is_same_v<decltype(nsum), sl::Tensor<std::int64_t, shape<dyn>>>);
  xt::xtensor<float, 1> want_sum = xt::zeros<float>({3}), want_lo = input_of(0), want_hi = input_of(size - 1);
  std::int64_t want_n = 0;
  for (int r = 0; r < size; ++r) {
    want_sum += input_of(r);
    want_n += 100 * (r + 1);
  }
  sl::Session s(g, {}, "mpi");
  const xt::xtensor<std::int64_t, 1> mine_n{100 * (rank + 1), -1};
  auto [vs, vm, vl, vh, vn] = s.run(std::tuple{sum, mean, lo, hi, nsum}, {{x, input_of(rank)}, {n, mine_n}});
  CHECK(vs == want_sum);
  CHECK(xt::allclose(vm, want_sum / static_cast<float>(size)));
  CHECK(vl == want_lo);
  CHECK(vh == want_hi);
  CHECK(vn == xt::xtensor<std::int64_t, 1>{want_n, -size});
  SUBCASE("run_into, callables and partial runs go through the same engine") {
    xt::xtensor<float, 1> out;
    s.run_into(out, sum, {{x, input_of(rank)}});
    CHECK(out == want_sum);
    auto f = s.make_callable(mean, sl::feed_list(x));
    CHECK(xt::allclose(f(input_of(rank)), want_sum / static_cast<float>(size)));
    auto h = s.partial_run_setup(std::tuple{sum, hi}, sl::feed_list(x));
    CHECK(s.partial_run(h, sum, {{x, input_of(rank)}}) == want_sum);
    CHECK(s.partial_run(h, hi) == want_hi);
  }
}

TEST_CASE("mpi: allgather concatenates the ranks' rows in rank order") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<dyn, 2>>(g, "x");
  auto all = sl::mpi::allgather(x);
  static_assert(std::is_same_v<decltype(all), sl::Tensor<double, shape<dyn, 2>>>);
  auto rows_of = [](int r) {  // rank r has r + 1 rows: 10 r + i, -(10 r + i)
    xt::xtensor<double, 2> v = xt::zeros<double>({static_cast<std::size_t>(r + 1), std::size_t{2}});
    for (int i = 0; i <= r; ++i) {
      v(static_cast<std::size_t>(i), 0) = 10 * r + i;
      v(static_cast<std::size_t>(i), 1) = -(10 * r + i);
    }
    return v;
  };
  std::vector<double> want;
  for (int r = 0; r < size; ++r) {
    auto v = rows_of(r);
    want.insert(want.end(), v.begin(), v.end());
  }
  sl::Session s(g, {}, "mpi");
  auto got = s.run(all, {{x, rows_of(rank)}});
  REQUIRE(got.shape(0) == static_cast<std::size_t>(size * (size + 1) / 2));
  CHECK(got.shape(1) == 2);
  CHECK(std::vector<double>(got.begin(), got.end()) == want);
}

TEST_CASE("mpi: broadcast gives every rank the root's value") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<3>>(g, "x");
  auto from_last = sl::mpi::broadcast(x, size - 1);
  auto from_first = sl::mpi::broadcast(x * 2.f, 0);
  static_assert(std::is_same_v<decltype(from_last), sl::Tensor<float, shape<3>>>);
  sl::Session s(g, {}, "mpi");
  auto [a, b] = s.run(std::tuple{from_last, from_first}, {{x, input_of(rank)}});
  CHECK(a == input_of(size - 1));
  CHECK(b == input_of(0) * 2.f);
}

TEST_CASE("mpi: gradients of allreduce, allgather and broadcast") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<3>>(g, "x");
  auto k = sl::placeholder<float, shape<3>>(g, "k");  // rank r: r + 1 everywhere
  const xt::xtensor<float, 1> mine_k = xt::ones<float>({3}) * static_cast<float>(rank + 1);
  const float sum_k = static_cast<float>(size * (size + 1) / 2);
  SUBCASE("allreduce: sum's gradient is the sum of the ranks' gradients, mean's their mean") {
    auto dsum = sl::gradients(sl::reduce_sum(sl::mpi::allreduce(x) * k), x);
    auto dmean = sl::gradients(sl::reduce_sum(sl::mpi::allreduce(x, sl::mpi::reduce_op::mean) * k), x);
    sl::Session s(g, {}, "mpi");
    auto [a, b] = s.run(std::tuple{dsum, dmean}, {{x, input_of(rank)}, {k, mine_k}});
    CHECK(a == xt::xtensor<float, 1>{sum_k, sum_k, sum_k});
    CHECK(xt::allclose(b, xt::xtensor<float, 1>{1, 1, 1} * (sum_k / static_cast<float>(size))));
  }
  SUBCASE("allreduce min and max have no gradient") {
    auto lo = sl::mpi::allreduce(x, sl::mpi::reduce_op::min);
    CHECK_THROWS_WITH_AS((void)sl::gradients(sl::reduce_sum(lo), x),
                         "Gradient of MpiAllreduce with reduce_op min or max is not implemented", sl::unimplemented);
  }
  SUBCASE("broadcast: the sum of the ranks' gradients on the root, zeros elsewhere") {
    const int root = size - 1;
    auto dx = sl::gradients(sl::reduce_sum(sl::mpi::broadcast(x, root) * k), x);
    sl::Session s(g, {}, "mpi");
    auto got = s.run(dx, {{x, input_of(rank)}, {k, mine_k}});
    CHECK(got == xt::xtensor<float, 1>{1, 1, 1} * (rank == root ? sum_k : 0.f));
  }
  SUBCASE("allgather: this rank's rows of the summed gradient") {
    auto xs = sl::placeholder<float, shape<dyn, 1>>(g, "xs");  // rank r: r + 1 rows
    auto w = sl::placeholder<float, shape<dyn, 1>>(g, "w");    // the gathered rows' weights, per rank
    auto dx = sl::gradients(sl::reduce_sum(sl::mpi::allgather(xs) * w), xs);
    static_assert(std::is_same_v<decltype(dx), sl::Tensor<float, shape<dyn, 1>>>);
    const std::size_t total = static_cast<std::size_t>(size * (size + 1) / 2);
    auto weights_of = [&](int r) {  // rank r weighs gathered row i by (r + 1) (i + 1)
      xt::xtensor<float, 2> v = xt::zeros<float>({total, std::size_t{1}});
      for (std::size_t i = 0; i < total; ++i) v(i, 0) = static_cast<float>((r + 1) * (static_cast<int>(i) + 1));
      return v;
    };
    xt::xtensor<float, 2> summed = xt::zeros<float>({total, std::size_t{1}});
    for (int r = 0; r < size; ++r) summed += weights_of(r);
    const std::size_t first = static_cast<std::size_t>(rank * (rank + 1) / 2);
    xt::xtensor<float, 2> mine = xt::zeros<float>({static_cast<std::size_t>(rank + 1), std::size_t{1}});
    sl::Session s(g, {}, "mpi");
    auto got = s.run(dx, {{xs, mine}, {w, weights_of(rank)}});
    REQUIRE(got.shape(0) == static_cast<std::size_t>(rank + 1));
    for (std::size_t i = 0; i < got.shape(0); ++i) CHECK(got(i, 0) == summed(first + i, 0));
  }
}

TEST_CASE("mpi: broadcast_global_variables makes every rank's variables the root's") {
  sl::Graph g;
  sl::Variable<float, shape<2, 2>> w(g, static_cast<float>(rank + 1), "w");
  sl::Variable<std::int64_t, shape<>> step(g, std::int64_t{7 * rank}, "step");
  auto sync = sl::mpi::broadcast_global_variables(g, 1);
  sl::Session s(g, {}, "mpi");
  s.run(sl::global_variables_initializer(g));
  auto before = s.run(w.value());
  CHECK(before(0, 0) == static_cast<float>(rank + 1));  // each rank its own
  s.run(sync);
  auto [wv, sv] = s.run(std::tuple{w.value(), step.value()});
  CHECK(wv == xt::xtensor<float, 2>{{2, 2}, {2, 2}});  // rank 1's
  CHECK(sv == 7);
  // Every rank now holds the same values: their allgather is size copies of one.
  auto everyone = s.run(sl::mpi::allgather(sl::reshape<shape<1, 4>>(w.value())));
  for (std::size_t r = 0; r < everyone.shape(0); ++r)
    for (std::size_t i = 0; i < 4; ++i) CHECK(everyone(r, i) == 2.f);
}

TEST_CASE("mpi: Session::reset(\"mpi\", containers) clears the named containers on every rank") {
  sl::Graph g;
  sl::Variable<float, shape<>> kept(g, static_cast<float>(rank), "kept");
  std::optional<sl::Variable<float, shape<>>> scratch;
  {
    auto c = sl::container(g, "scratch");
    scratch.emplace(g, 5.f, "scratch_v");
  }
  sl::Session s(g, {}, "mpi");
  sl::Session local(g);  // an in-process session: another target, not touched
  s.run(sl::global_variables_initializer(g));
  local.run(sl::global_variables_initializer(g));
  sl::Session::reset("mpi://", {"scratch"});  // every rank calls it, as every rank runs the graph
  CHECK_THROWS_WITH_AS(s.run(*scratch), "Attempting to use uninitialized value scratch_v", sl::failed_precondition);
  CHECK(s.run(kept) == static_cast<float>(rank));
  CHECK(local.run(*scratch) == 5.f);
  // The sessions stay usable: the initializer brings the value back, and collectives still agree.
  s.run(scratch->initializer());
  CHECK(s.run(sl::mpi::allreduce(scratch->value(), sl::mpi::reduce_op::sum)) == 5.f * static_cast<float>(size));
}

TEST_CASE("mpi: errors are raised on every rank, not a hang") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn>>(g, "x");
  auto y = sl::placeholder<float, shape<dyn, dyn>>(g, "y");
  sl::Session s(g, {}, "mpi");
  SUBCASE("allreduce of different shapes") {
    auto sum = sl::mpi::allreduce(x, sl::mpi::reduce_op::sum, "sum");
    const xt::xtensor<float, 1> mine = xt::ones<float>({static_cast<std::size_t>(rank + 1)});
    CHECK_THROWS_WITH_AS((void)s.run(sum, {{x, mine}}),
                         "MpiAllreduce: the ranks' tensors differ in shape: rank 0 has [1], rank 1 has [2]",
                         sl::invalid_argument);
    // The session still works afterwards.
    CHECK(s.run(sum, {{x, xt::xtensor<float, 1>{1.f}}}) == xt::xtensor<float, 1>{static_cast<float>(size)});
  }
  SUBCASE("allgather of rows of different widths") {
    auto all = sl::mpi::allgather(y);
    const xt::xtensor<float, 2> mine = xt::ones<float>({std::size_t{1}, static_cast<std::size_t>(rank + 2)});
    CHECK_THROWS_WITH_AS((void)s.run(all, {{y, mine}}),
                         "MpiAllgather: the ranks' tensors differ in shape past the first dimension: rank 0 has "
                         "[1,2], rank 1 has [1,3]",
                         sl::invalid_argument);
  }
  SUBCASE("a broadcast root that is not a rank") {
    auto b = sl::mpi::broadcast(x, size, "b");
    CHECK_THROWS_WITH_AS((void)s.run(b, {{x, xt::xtensor<float, 1>{1.f}}}),
                         ("MpiBroadcast: root rank " + std::to_string(size) + " is not in [0, " +
                          std::to_string(size) + ")")
                             .c_str(),
                         sl::invalid_argument);
  }
}

TEST_CASE("mpi: ranks that built different graphs fail alike at the first run, not hang") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<3>>(g, "x");
  const char* message =
      "The ranks' plans differ (in op count or in their collectives): under the Session target 'mpi' every rank "
      "must build the same graph and run the same fetches and feeds";
  SUBCASE("another op count") {
    auto y = rank == 0 ? sl::mpi::allreduce(x) : sl::mpi::allreduce(x * 2.f);
    sl::Session s(g, {}, "mpi");
    CHECK_THROWS_WITH_AS((void)s.run(y, {{x, input_of(rank)}}), message, sl::failed_precondition);
  }
  SUBCASE("the same op count, another collective") {
    auto y = sl::mpi::allreduce(x, rank == 0 ? sl::mpi::reduce_op::mean : sl::mpi::reduce_op::sum);
    sl::Session s(g, {}, "mpi");
    CHECK_THROWS_WITH_AS((void)s.run(y, {{x, input_of(rank)}}), message, sl::failed_precondition);
  }
  SUBCASE("the same op count, an overlapped allreduce of other parts") {
    // DistributedOptimizer's fused allreduce of a's and b's gradients: a's shape differs.
    auto train = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
      sl::Variable<float, shape<K>> a{g, 1.f, "a"};
      sl::Variable<float, shape<2>> b{g, 1.f, "b"};
      sl::mpi::DistributedOptimizer opt(sl::train::GradientDescentOptimizer(0.1));
      return opt.minimize(sl::reduce_sum(a.value()) + sl::reduce_sum(b.value()));
    };
    auto step = rank == 0 ? train(std::integral_constant<std::size_t, 1>{}) : train(std::integral_constant<std::size_t, 3>{});
    int starts = 0;
    for (std::size_t id = 0; id < g.size(); ++id) starts += g.at(static_cast<sl::node_id>(id)).op == "MpiAllreduceStart";
    CHECK(starts == 1);
    sl::Session s(g, {}, "mpi");
    s.run(sl::global_variables_initializer(g));
    CHECK_THROWS_WITH_AS(s.run(step), message, sl::failed_precondition);
  }
  SUBCASE("plans without collectives may differ") {
    auto y = rank == 0 ? x + 1.f : x * 2.f - 1.f;
    sl::Session s(g, {}, "mpi");
    CHECK(s.run(y, {{x, xt::xtensor<float, 1>{1, 1, 1}}}) == xt::xtensor<float, 1>{1, 1, 1} * (rank == 0 ? 2.f : 1.f));
  }
}

TEST_CASE("mpi: collectives on independent branches of a parallel plan keep one order on every rank") {
  constexpr std::size_t n = 96;
  using mat = shape<96, 96>;
  sl::Graph g;
  auto x = sl::placeholder<float, mat>(g, "x");
  auto w1 = sl::placeholder<float, mat>(g, "w1");
  auto w2 = sl::placeholder<float, mat>(g, "w2");
  // Two heavy branches neither of which needs the other, each ending in a collective.
  auto a = sl::mpi::allreduce(sl::matmul(x, w1, "a"));
  auto b = sl::mpi::allreduce(sl::tanh(sl::matmul(x, w2, "b")), sl::mpi::reduce_op::max);
  auto y = a + b;
  const sl::detail::fetch_leaf leaf{y.id().node, true, y.id().index};
  std::vector<sl::output_ref> fed{x.id(), w1.id(), w2.id()};
  std::sort(fed.begin(), fed.end());
  CHECK(sl::detail::build_plan(g, std::span(&leaf, 1), fed)->parallel);
  sl::SessionConfig one, two;
  one.inter_op_threads = 1;
  two.inter_op_threads = 2;
  sl::Session seq(g, one, "mpi"), par(g, two, "mpi");
  for (int run = 0; run < 20; ++run) {
    const auto fill = [&](int seed) {  // every rank its own values
      xt::xtensor<float, 2> v = xt::xtensor<float, 2>::from_shape({n, n});
      for (std::size_t i = 0; i < v.size(); ++i)
        v.data()[i] = static_cast<float>((i * 7 + static_cast<std::size_t>(seed * 13 + rank * 5)) % 17) / 17.f - 0.5f;
      return v;
    };
    const auto xv = fill(run), w1v = fill(run + 1), w2v = fill(run + 2);
    const xt::xtensor<float, 2> want = seq.run(y, {{x, xv}, {w1, w1v}, {w2, w2v}});
    const xt::xtensor<float, 2> got = par.run(y, {{x, xv}, {w1, w1v}, {w2, w2v}});
    REQUIRE(got == want);
  }
}
