// Data-parallel training under mpirun (suite `mpi`): DistributedOptimizer
// averages each rank's gradients, so ranks that each feed their own shard take
// the steps one process takes on the whole batch, and stay identical.
#include <doctest/doctest.h>

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
}  // namespace

TEST_CASE("mpi: DistributedOptimizer takes the whole batch's steps, identical on every rank") {
  const int rank = sl::mpi::rank(), size = sl::mpi::size();
  constexpr int steps = 5;
  // One process on every shard at once (the in-process engine).
  model one(sl::train::GradientDescentOptimizer(0.05));
  xt::xtensor<float, 2> all_x = shard_of(0).first, all_y = shard_of(0).second;
  for (int r = 1; r < size; ++r) {
    all_x = xt::concatenate(xt::xtuple(all_x, shard_of(r).first), 0);
    all_y = xt::concatenate(xt::xtuple(all_y, shard_of(r).second), 0);
  }
  sl::Session local(one.g);
  local.run(sl::global_variables_initializer(one.g));
  for (int s = 0; s < steps; ++s) local.run(one.train, {{one.x, all_x}, {one.y, all_y}});
  auto [w1, b1] = local.run(std::tuple{one.w.value(), one.b.value()});

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
  // The averaging is in the graph: one allreduce (mean) per gradient.
  int allreduces = 0;
  for (std::size_t id = 0; id < dist.g.size(); ++id)
    allreduces += dist.g.at(static_cast<sl::node_id>(id)).op == "MpiAllreduce";
  CHECK(allreduces == 2);
}
