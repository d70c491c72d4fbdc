// expect: sessionlib: transpose: perm is not a permutation of the axes
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto m = sl::placeholder<float, sl::shape<2, 3>>(g);
  auto ok = sl::transpose<1, 0>(m);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::transpose<0, 0>(m);  // report::transpose_not_permutation<2, 0, 0>
  (void)bad;
#endif
}
