// expect: sessionlib: callable: an argument's element type differs from its fed tensor's dtype
// expect-first: sessionlib: callable: an argument's element type differs
// expect-one-of: Argument = 1; TensorT = float; ValueT = long int | callable_argument_dtype<1UL, float, long>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  sl::Session sess(g);
  auto step = sess.make_callable(std::tuple{x, y}, sl::feed_list(x, y));
  xt::xtensor<float, 2> xb = xt::zeros<float>({3, 2});
  xt::xtensor<std::int64_t, 1> yb = xt::zeros<std::int64_t>({3});
  (void)step(xb, yb);
#if SESSIONLIB_CF_FAIL
  auto [a, b] = step(yb, xb);  // swapped: xtensor's converting constructor would accept both
  (void)a;
  (void)b;
#endif
}
