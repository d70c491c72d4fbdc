// expect: sessionlib: callable: an argument's rank differs from its fed tensor's
// expect-first: sessionlib: callable: an argument's rank differs
// expect-one-of: Argument = 1; long unsigned int TensorRank = 2; long unsigned int ValueRank = 1 | callable_argument_rank<1UL, 2UL, 1UL>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  sl::Session sess(g);
  auto f = sess.make_callable(x * 2.0f, sl::feed_list(x));
  xt::xtensor<float, 2> good = xt::zeros<float>({3, 2});
  (void)f(good);
#if SESSIONLIB_CF_FAIL
  xt::xtensor<float, 1> bad = xt::zeros<float>({6});
  (void)f(bad);
#endif
}
