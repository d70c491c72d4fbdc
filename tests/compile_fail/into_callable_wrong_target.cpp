// expect: sessionlib: into: the target's type differs from what run() returns for these fetches
// expect-first: sessionlib: into: the target's type differs
// expect-one-of: xt::uvector<double, xsimd::aligned_allocator<double, 16> > | xt::uvector<double, xsimd::aligned_allocator<double, 16>>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn>>(g, "x");
  sl::Session sess(g);
  auto f = sess.make_callable(x + 1.0f, sl::feed_list(x), sl::into);
  xt::xtensor<float, 1> xv = xt::zeros<float>({3});
  xt::xtensor<float, 1> out;
  f(out, xv);
#if SESSIONLIB_CF_FAIL
  xt::xtensor<double, 1> wide;
  f(wide, xv);  // a float result into a double array
#endif
}
