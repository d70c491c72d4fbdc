// expect: sessionlib: callable: wrong number of arguments; pass one value per tensor of the feed_list
// expect-first: sessionlib: callable: wrong number of arguments
// expect-one-of: Expected = 2; long unsigned int Given = 1 | callable_arity<2UL, 1UL>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn>>(g, "x");
  auto k = sl::placeholder<float, sl::shape<>>(g, "k");
  sl::Session sess(g);
  auto f = sess.make_callable(x * k, sl::feed_list(x, k));
  xt::xtensor<float, 1> xv = xt::zeros<float>({3});
  (void)f(xv, 2.0f);
#if SESSIONLIB_CF_FAIL
  xt::xtensor<float, 1> r = f(xv);  // k is missing
  (void)r;
#endif
}
