// A small sessionlib graph (placeholder, variables, matmul, add, relu, a
// control dependency) for to_graph_def's tests and the tool.
#pragma once

#include <sessionlib/graph_def.hpp>
#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/constant.hpp>
#include <sessionlib/ops/control.hpp>
#include <sessionlib/ops/init.hpp>
#include <sessionlib/ops/linalg.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/ops/nn.hpp>
#include <sessionlib/ops/state.hpp>

namespace graph_def_test {

/// relu(x @ w + b), then "out" = identity(y) under a control dependency on "tick".
inline void build_small_graph(sessionlib::Graph& g) {
  namespace sl = sessionlib;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  sl::Variable<float, sl::shape<3, 2>> w(g, sl::init::zeros<float>(), "w");
  sl::Variable<float, sl::shape<2>> b(g, sl::init::zeros<float>(), "b");
  auto y = sl::nn::relu(sl::matmul(x, w) + b);
  auto tick = sl::no_op(g, "tick");
  auto guard = sl::control_dependencies(g, {tick});
  (void)sl::identity(y, "out");
}

}  // namespace graph_def_test
