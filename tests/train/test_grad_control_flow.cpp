// The gradient of cond (issue 16): the gradient takes the branch the forward
// took, checked against central differences for each branch; captured values
// only the other branch reads get zeros; several outputs; what is not yet
// differentiable says so.
#include "numeric_grad.hpp"

#include <string>

namespace sl = sessionlib;
using numeric_grad::check;
using numeric_grad::values;

TEST_CASE("cond's gradient follows the branch taken, for each branch") {
  sl::Graph g;
  auto p = sl::placeholder<bool, sl::shape<>>(g, "p");
  auto x = sl::placeholder<double, sl::shape<2, 3>>(g, "x");
  auto w = sl::placeholder<double, sl::shape<3>>(g, "w");
  auto y = sl::cond(p, [&] { return sl::tanh(x * w) * x; }, [&] { return sl::exp(x) - w; });
  sl::Session sess(g);
  const auto wv = values({3}, -1, 1, 2);
  for (bool taken : {true, false}) {
    INFO("branch " << (taken ? "then" : "else"));
    check(sess, y, x, values({2, 3}), {{p, taken}, {w, wv}});
    check(sess, y, w, wv, {{p, taken}, {x, values({2, 3})}});
  }
}

TEST_CASE("cond's gradient: zeros for a value only the other branch reads; tuples of results; a captured result") {
  sl::Graph g;
  auto p = sl::placeholder<bool, sl::shape<>>(g, "p");
  auto a = sl::placeholder<double, sl::shape<3>>(g, "a");
  auto b = sl::placeholder<double, sl::shape<3>>(g, "b");
  auto [u, v] = sl::cond(p, [&] { return std::tuple{a * a, a}; }, [&] { return std::tuple{b * 3.0, b + a}; });
  auto loss = sl::reduce_sum<0>(u * 2.0 + v);
  auto [da, db] = sl::gradients(loss, std::tuple{a, b});
  sl::Session sess(g);
  const xt::xtensor<double, 1> av{1, 2, 3}, bv{4, 5, 6};
  auto [ta, tb] = sess.run(std::tuple{da, db}, {{p, true}, {a, av}, {b, bv}});
  CHECK(ta == xt::xtensor<double, 1>{5, 9, 13});  // d(2a^2 + a)/da
  CHECK(tb == xt::xtensor<double, 1>{0, 0, 0});
  auto [fa, fb] = sess.run(std::tuple{da, db}, {{p, false}, {a, av}, {b, bv}});
  CHECK(fa == xt::xtensor<double, 1>{1, 1, 1});
  CHECK(fb == xt::xtensor<double, 1>{7, 7, 7});  // d(6b + b)/db
  check(sess, loss, a, av, {{p, true}, {b, bv}});
  check(sess, loss, b, bv, {{p, false}, {a, av}});
}

TEST_CASE("cond's gradient through a stateful branch or a while_loop inside a branch is not implemented yet, and says so") {
  sl::Graph g;
  auto p = sl::placeholder<bool, sl::shape<>>(g, "p");
  auto x = sl::placeholder<double, sl::shape<>>(g, "x");
  auto noisy = sl::cond(p, [&] { return x + sl::random_uniform<double, sl::shape<>>(g); }, [&] { return x; });
  CHECK_THROWS_WITH_AS(sl::gradients(noisy, x), doctest::Contains("stateful op"), sl::unimplemented);
  auto looped = sl::cond(p, [&] {
    auto [i, s] = sl::while_loop([](auto i, auto) { return i < 3; },
                                 [](auto i, auto s) { return std::tuple{i + 1, s * 2.0}; }, std::tuple{sl::constant(g, 0), x});
    return s;
  }, [&] { return x; });
  CHECK_THROWS_WITH_AS(sl::gradients(looped, x), doctest::Contains("holding another control-flow op"), sl::unimplemented);
}
