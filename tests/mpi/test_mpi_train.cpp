// Data-parallel training under mpirun (suite `mpi`): DistributedOptimizer
// averages each rank's gradients, so ranks that each feed their own shard take
// the steps one process takes on the whole batch, and stay identical.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <tuple>
#include <utility>

#include <sessionlib/mpi.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
/// Rank r's shard: 4 rows of 2 features, and its targets y = x [1, -2] + 0.5.
std::pair<xt::xtensor<float, 2>, xt::xtensor<float, 2>> shard_of(int r) {
  xt::xtensor<float, 2> x = xt::zeros<float>({std::size_t{4}, std::size_t{2}});
  xt::xtensor<float, 2> y = xt::zeros<float>({std::size_t{4}, std::size_t{1}});
  for (std::size_t i = 0; i < 4; ++i) {
    x(i, 0) = static_cast<float>(r) + 0.25f * static_cast<float>(i);
    x(i, 1) = 1.f - 0.5f * static_cast<float>(r) + 0.1f * static_cast<float>(i * i);
    y(i, 0) = x(i, 0) - 2.f * x(i, 1) + 0.5f;
  }
  return {x, y};
}

/// The nodes of op type `op` in `g`.
int count_ops(const sl::Graph& g, const std::string& op) {
  int n = 0;
  for (std::size_t id = 0; id < g.size(); ++id) n += g.at(static_cast<sl::node_id>(id)).op == op;
  return n;
}

/// The model and its train op for `opt`: a linear regression, mean squared error.
template <class Opt>
struct model {
  sl::Graph g;
  sl::Tensor<float, shape<dyn, 2>> x = sl::placeholder<float, shape<dyn, 2>>(g, "x");
  sl::Tensor<float, shape<dyn, 1>> y = sl::placeholder<float, shape<dyn, 1>>(g, "y");
  sl::Variable<float, shape<2, 1>> w{g, 0.1f, "w"};
  sl::Variable<float, shape<1>> b{g, 0.f, "b"};
  sl::Tensor<float, shape<>> loss = sl::reduce_mean(sl::square(sl::matmul(x, w) + b - y));
  Opt opt;
  sl::Operation train;
  explicit model(Opt o) : opt(std::move(o)), train(opt.minimize(loss)) {}
};

/// w and b after `steps` steps of `opt` in one process (the in-process engine)
/// on the first `shards` shards at once.
template <class Opt>
std::tuple<xt::xtensor<float, 2>, xt::xtensor<float, 1>> trained_in_process(Opt opt, int shards, int steps) {
  model one(std::move(opt));
  xt::xtensor<float, 2> all_x = shard_of(0).first, all_y = shard_of(0).second;
  for (int r = 1; r < shards; ++r) {
    all_x = xt::concatenate(xt::xtuple(all_x, shard_of(r).first), 0);
    all_y = xt::concatenate(xt::xtuple(all_y, shard_of(r).second), 0);
  }
  sl::Session local(one.g);
  local.run(sl::global_variables_initializer(one.g));
  for (int s = 0; s < steps; ++s) local.run(one.train, {{one.x, all_x}, {one.y, all_y}});
  return local.run(std::tuple{one.w.value(), one.b.value()});
}
}  // namespace

TEST_CASE("mpi: DistributedOptimizer takes the whole batch's steps, identical on every rank") {
  const int rank = sl::mpi::rank(), size = sl::mpi::size();
  constexpr int steps = 5;
  // One process on every shard at once (the in-process engine).
  auto [w1, b1] = trained_in_process(sl::train::GradientDescentOptimizer(0.05), size, steps);

  // Each rank on its own shard, gradients averaged.
  model dist(sl::mpi::DistributedOptimizer(sl::train::GradientDescentOptimizer(0.05)));
  auto sync = sl::mpi::broadcast_global_variables(dist.g, 0);
  sl::Session s(dist.g, {}, "mpi");
  s.run(sl::global_variables_initializer(dist.g));
  s.run(sync);
  const auto [mx, my] = shard_of(rank);
  for (int k = 0; k < steps; ++k) s.run(dist.train, {{dist.x, mx}, {dist.y, my}});
  auto [w2, b2] = s.run(std::tuple{dist.w.value(), dist.b.value()});
  CHECK(xt::allclose(w2, w1, 1e-5, 1e-6));
  CHECK(xt::allclose(b2, b1, 1e-5, 1e-6));
  CHECK(w2(0, 0) != doctest::Approx(0.1f));  // it trained
  // Bit for bit the same on every rank: the allgathered variables agree.
  auto everyone = s.run(sl::mpi::allgather(sl::reshape<shape<1, 2>>(dist.w.value())));
  for (std::size_t r = 1; r < everyone.shape(0); ++r) {
    CHECK(everyone(r, 0) == everyone(0, 0));
    CHECK(everyone(r, 1) == everyone(0, 1));
  }
  // The averaging is in the graph: the two small gradients fused into one
  // allreduce (mean), overlapped: started on the communication thread, waited for by the optimizer.
  CHECK(count_ops(dist.g, "MpiAllreduce") == 0);
  CHECK(count_ops(dist.g, "MpiAllreduceFused") == 0);
  CHECK(count_ops(dist.g, "MpiAllreduceStart") == 1);
  CHECK(count_ops(dist.g, "MpiAllreduceDone") == 1);
}

TEST_CASE("mpi: DistributedOptimizer's tensor fusion: threshold 0 is one allreduce per gradient, same steps") {
  const auto shard = shard_of(sl::mpi::rank());  // (not a structured binding: clang 14 cannot capture those)
  // overlap (the default): `allreduces` started (fused or not); serial: `allreduces` unfused and `fused` fused.
  auto train = [&](sl::mpi::distributed_options o, int allreduces, int fused) {
    model m(sl::mpi::DistributedOptimizer(sl::train::GradientDescentOptimizer(0.05), o));
    CHECK(count_ops(m.g, "MpiAllreduce") == (o.overlap ? 0 : allreduces));
    CHECK(count_ops(m.g, "MpiAllreduceFused") == (o.overlap ? 0 : fused));
    CHECK(count_ops(m.g, "MpiAllreduceStart") == (o.overlap ? allreduces + fused : 0));
    sl::Session s(m.g, {}, "mpi");
    s.run(sl::global_variables_initializer(m.g));
    for (int k = 0; k < 3; ++k) s.run(m.train, {{m.x, shard.first}, {m.y, shard.second}});
    return s.run(std::tuple{m.w.value(), m.b.value()});
  };
  const auto [w0, b0] = train({.fusion_threshold_bytes = 0, .overlap = false}, 2, 0);   // one each
  const auto [w8, b8] = train({.fusion_threshold_bytes = 8, .overlap = false}, 2, 0);   // w (8 bytes) fills the buffer: b alone
  const auto [wf, bf] = train({.fusion_threshold_bytes = 12, .overlap = false}, 0, 1);  // both in one
  CHECK(wf == w0);  // bit for bit: fusion changes the messages, not the arithmetic
  CHECK(bf == b0);
  CHECK(w8 == w0);
  CHECK(b8 == b0);
  // Overlapped (fused in backward order: b then w): the same steps, bit for bit.
  const auto [wo0, bo0] = train({.fusion_threshold_bytes = 0}, 2, 0);
  const auto [wo8, bo8] = train({.fusion_threshold_bytes = 8}, 2, 0);  // b (4 bytes) then w (8) overflows: two
  const auto [wof, bof] = train({.fusion_threshold_bytes = 12}, 1, 0);
  CHECK(wo0 == w0);
  CHECK(bo0 == b0);
  CHECK(wo8 == w0);
  CHECK(bo8 == b0);
  CHECK(wof == w0);
  CHECK(bof == b0);
}

namespace {
/// A two-layer perceptron (3 -> 16 -> 2, relu) on rank r's shard of 8 rows, its
/// train op by Adam under DistributedOptimizer with options `o`.
struct two_layers {
  sl::Graph g;
  sl::Tensor<float, shape<dyn, 3>> x = sl::placeholder<float, shape<dyn, 3>>(g, "x");
  sl::Tensor<float, shape<dyn, 2>> y = sl::placeholder<float, shape<dyn, 2>>(g, "y");
  sl::Variable<float, shape<3, 16>> w1{g, sl::init::random_uniform<float>(-0.5f, 0.5f, 1), "w1"};
  sl::Variable<float, shape<16>> b1{g, 0.1f, "b1"};
  sl::Variable<float, shape<16, 2>> w2{g, sl::init::random_uniform<float>(-0.5f, 0.5f, 2), "w2"};
  sl::Variable<float, shape<2>> b2{g, 0.f, "b2"};
  sl::Tensor<float, shape<>> loss =
      sl::reduce_mean(sl::square(sl::matmul(sl::nn::relu(sl::matmul(x, w1) + b1), w2) + b2 - y));
  sl::mpi::DistributedOptimizer<sl::train::AdamOptimizer> opt;
  sl::Operation train;
  explicit two_layers(sl::mpi::distributed_options o)
      : opt(sl::train::AdamOptimizer(0.01), o), train(opt.minimize(loss)) {}

  static std::pair<xt::xtensor<float, 2>, xt::xtensor<float, 2>> shard(int r) {
    xt::xtensor<float, 2> xs = xt::zeros<float>({std::size_t{8}, std::size_t{3}});
    xt::xtensor<float, 2> ys = xt::zeros<float>({std::size_t{8}, std::size_t{2}});
    for (std::size_t i = 0; i < 8; ++i) {
      for (std::size_t j = 0; j < 3; ++j)
        xs(i, j) = static_cast<float>((i * 5 + j * 3 + static_cast<std::size_t>(r) * 7) % 11) / 11.f - 0.4f;
      ys(i, 0) = xs(i, 0) - xs(i, 2);
      ys(i, 1) = 0.5f * xs(i, 1) + 0.25f;
    }
    return {xs, ys};
  }
  /// Every variable, flattened and concatenated (48 + 16 + 32 + 2 values).
  auto all_values() const {
    return sl::concat<0>(sl::concat<0>(sl::reshape<shape<48>>(w1.value()), b1.value()),
                         sl::concat<0>(sl::reshape<shape<32>>(w2.value()), b2.value()));
  }
};

/// The two-layer model's variables after `steps` steps on this rank's shard, with options `o`.
xt::xtensor<float, 1> trained_two_layers(sl::mpi::distributed_options o, int steps, sl::RunMetadata* md = nullptr) {
  two_layers m(o);
  auto sync = sl::mpi::broadcast_global_variables(m.g, 0);
  sl::Session s(m.g, {}, "mpi");
  s.run(sl::global_variables_initializer(m.g));
  s.run(sync);
  const auto data = two_layers::shard(sl::mpi::rank());
  for (int k = 0; k < steps; ++k) s.run(m.train, {{m.x, data.first}, {m.y, data.second}});
  if (md) {
    sl::RunOptions trace{.trace_level = sl::RunOptions::TraceLevel::full_trace};
    s.run(m.train, {{m.x, data.first}, {m.y, data.second}}, trace, md);
  }
  return s.run(m.all_values());
}
}  // namespace

TEST_CASE("mpi: overlapped allreduces start during the backward pass and take the serial steps, bit for bit") {
  constexpr int steps = 4;
  // 80 bytes: b2 (8) and w2 (128) in two groups, then b1 (64) alone, w1 (192) alone.
  const sl::mpi::distributed_options serial{.fusion_threshold_bytes = 80, .overlap = false};
  const sl::mpi::distributed_options overlapped{.fusion_threshold_bytes = 80, .overlap = true};
  {
    two_layers m(overlapped);
    CHECK(count_ops(m.g, "MpiAllreduceStart") == 4);
    CHECK(count_ops(m.g, "MpiAllreduceDone") == 4);
    CHECK(count_ops(m.g, "MpiAllreduce") + count_ops(m.g, "MpiAllreduceFused") == 0);
  }
  sl::RunMetadata md;
  const auto want = trained_two_layers(serial, steps + 1);
  const auto got = trained_two_layers(overlapped, steps, &md);
  CHECK(got == want);  // the same sums and divisions: bit for bit
  CHECK(got(0) != doctest::Approx(0.f));
  // Bit for bit the same on every rank.
  {
    sl::Graph g;
    auto v = sl::placeholder<float, shape<1, 98>>(g, "v");
    auto everyone_t = sl::mpi::allgather(v);
    sl::Session s(g, {}, "mpi");
    auto everyone = s.run(everyone_t, {{v, xt::xtensor<float, 2>(xt::reshape_view(got, {1, 98}))}});
    REQUIRE(everyone.shape(0) == static_cast<std::size_t>(sl::mpi::size()));
    bool same = true;
    for (std::size_t r = 1; r < everyone.shape(0); ++r)
      for (std::size_t i = 0; i < 98; ++i) same = same && everyone(r, i) == everyone(0, i);
    CHECK(same);
  }
  // The order the executor ran: the last layer's allreduce started before the
  // backward pass's last matmul (w1's gradient), and waited for after it.
  auto at = [&](auto pred) {
    for (std::size_t i = 0; i < md.step_stats.size(); ++i)
      if (pred(md.step_stats[i])) return static_cast<int>(i);
    return -1;
  };
  auto last_at = [&](auto pred) {
    int last = -1;
    for (std::size_t i = 0; i < md.step_stats.size(); ++i)
      if (pred(md.step_stats[i])) last = static_cast<int>(i);
    return last;
  };
  const int first_start = at([](const sl::NodeExecStats& st) { return st.op == "MpiAllreduceStart"; });
  const int first_done = at([](const sl::NodeExecStats& st) { return st.op == "MpiAllreduceDone"; });
  const int last_matmul = last_at([](const sl::NodeExecStats& st) { return st.op.find("MatMul") != std::string::npos; });
  const int last_start = last_at([](const sl::NodeExecStats& st) { return st.op == "MpiAllreduceStart"; });
  REQUIRE(first_start >= 0);
  CHECK(md.step_stats[static_cast<std::size_t>(first_start)].node_name.starts_with("b2/"));
  CHECK(first_start < last_matmul);
  CHECK(last_start < first_done);  // every allreduce in flight before the first wait
}

namespace {
/// Where the runs keep their checkpoints: $SL_MPI_CHECKPOINTS (the build
/// directory, so that the 3-rank run finds the 2-rank run's), else a temporary one.
std::filesystem::path checkpoint_root() {
  const char* dir = std::getenv("SL_MPI_CHECKPOINTS");
  return dir ? std::filesystem::path(dir) : std::filesystem::temp_directory_path() / "sessionlib_mpi_checkpoints";
}

/// Checks that `v`, a value of a [1, 2] or [1] variable, is bit for bit the same on every rank.
template <class V>
void check_same_on_every_rank(sl::Session& s, const V& v) {
  auto all = s.run(sl::mpi::allgather(sl::reshape<shape<1, 3>>(v)));
  REQUIRE(all.shape(0) == static_cast<std::size_t>(sl::mpi::size()));
  for (std::size_t r = 1; r < all.shape(0); ++r)
    for (std::size_t i = 0; i < 3; ++i) CHECK(all(r, i) == all(0, i));
}
}  // namespace

TEST_CASE("mpi: the Saver writes on rank 0 only, every rank restores, any rank count") {
  const int rank = sl::mpi::rank(), size = sl::mpi::size();
  constexpr int steps = 3;
  const auto [w1, b1] = trained_in_process(sl::train::AdamOptimizer(0.05), size, steps);

  model dist(sl::mpi::DistributedOptimizer(sl::train::AdamOptimizer(0.05)));
  auto sync = sl::mpi::broadcast_global_variables(dist.g, 0);
  sl::Session s(dist.g, {}, "mpi");
  s.run(sl::global_variables_initializer(dist.g));
  s.run(sync);
  const auto [mx, my] = shard_of(rank);
  for (int k = 0; k < steps; ++k) s.run(dist.train, {{dist.x, mx}, {dist.y, my}});

  const std::filesystem::path dir = checkpoint_root() / ("np" + std::to_string(size));
  if (rank == 0) std::filesystem::remove_all(dir);
  sl::train::Saver saver(dist.g);
  const std::string path = saver.save(s, (dir / "model.ckpt").string(), 7);
  CHECK(path == (dir / "model.ckpt-7").string());  // rank 0's path on every rank
  // The save returned on every rank once rank 0 committed it: every rank finds it.
  CHECK(sl::train::latest_checkpoint(dir) == path);
  CHECK(saver.last_checkpoints().size() == (rank == 0 ? 1u : 0u));  // only rank 0 wrote (and keeps) it

  // Restored into a fresh model and session on every rank: the trained values, everywhere.
  model fresh(sl::mpi::DistributedOptimizer(sl::train::AdamOptimizer(0.05)));
  sl::Session restored(fresh.g, {}, "mpi");
  sl::train::Saver(fresh.g).restore(restored, path);
  auto [w2, b2] = restored.run(std::tuple{fresh.w.value(), fresh.b.value()});
  CHECK(xt::allclose(w2, w1, 1e-5, 1e-6));
  CHECK(xt::allclose(b2, b1, 1e-5, 1e-6));
  check_same_on_every_rank(restored, sl::concat<0>(sl::reshape<shape<2>>(fresh.w.value()), fresh.b.value()));
  // ... and training goes on from there alike (Adam's slots were restored too).
  restored.run(fresh.train, {{fresh.x, mx}, {fresh.y, my}});
  check_same_on_every_rank(restored, sl::concat<0>(sl::reshape<shape<2>>(fresh.w.value()), fresh.b.value()));

  // A failed save fails on every rank, with rank 0's code: here a variable is uninitialised.
  sl::Session blank(fresh.g, {}, "mpi");
  const std::string uninitialized = "Attempting to use uninitialized value w";
  CHECK_THROWS_WITH_AS(saver.save(blank, (dir / "blank.ckpt").string()), "Saver: the session runs another graph than the Saver's", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sl::train::Saver(fresh.g).save(blank, (dir / "blank.ckpt").string()),
                       (rank == 0 ? uninitialized : "On rank 0: " + uninitialized).c_str(), sl::failed_precondition);

  // A checkpoint 2 ranks made, restored by 3 (the mpi/np2 run writes it first).
  if (size == 3) {
    const std::filesystem::path two = checkpoint_root() / "np2" / "model.ckpt-7";
    REQUIRE_MESSAGE(std::filesystem::exists(two.string() + ".index"), "run mpi/np2 before mpi/np3: ", two.string());
    const auto [w3, b3] = trained_in_process(sl::train::AdamOptimizer(0.05), 2, steps);
    model third(sl::mpi::DistributedOptimizer(sl::train::AdamOptimizer(0.05)));
    sl::Session on_three(third.g, {}, "mpi");
    sl::train::Saver(third.g).restore(on_three, two.string());
    auto [w4, b4] = on_three.run(std::tuple{third.w.value(), third.b.value()});
    CHECK(xt::allclose(w4, w3, 1e-5, 1e-6));
    CHECK(xt::allclose(b4, b3, 1e-5, 1e-6));
    check_same_on_every_rank(on_three, sl::concat<0>(sl::reshape<shape<2>>(third.w.value()), third.b.value()));
  }
}
