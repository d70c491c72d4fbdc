// expect: sessionlib: gather: indices must be int32 or int64
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto params = sl::placeholder<float, sl::shape<5, 3>>(g);
  auto ids = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g);
  auto fids = sl::placeholder<float, sl::shape<sl::dyn>>(g);
  (void)fids;
  auto ok = sl::gather(params, ids);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::gather(params, fids);  // report::gather_indices_not_integer<float>
  (void)bad;
#endif
}
