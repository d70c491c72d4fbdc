// expect: sessionlib: feed: the value's element type differs from the tensor's dtype
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  sl::Session sess(g);
  xt::xtensor<float, 2> good = xt::zeros<float>({3, 2});
  (void)sess.run(x, {{x, good}});
#if SESSIONLIB_CF_FAIL
  xt::xtensor<double, 2> bad = xt::zeros<double>({3, 2});
  (void)sess.run(x, {{x, bad}});
#endif
}
