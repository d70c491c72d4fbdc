// expect: sessionlib: enqueue: a component's dtype differs from the queue's
// expect-one-of: QueueT = long int; ValueT = int] | queue_component_dtype<1UL, long, int>
#include <sessionlib/input.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::FIFOQueue<std::tuple<float, std::int64_t>, std::tuple<sl::shape<784>, sl::shape<>>> q(g, 100);
  auto image = sl::placeholder<float, sl::shape<784>>(g, "image");
  auto label = sl::placeholder<std::int64_t, sl::shape<>>(g, "label");
  (void)q.enqueue(std::tuple{image, label});
#if SESSIONLIB_CF_FAIL
  auto label32 = sl::placeholder<std::int32_t, sl::shape<>>(g, "label32");
  (void)q.enqueue(std::tuple{image, label32});  // report::queue_component_dtype<1, int64, int32>: sl::cast<std::int64_t>(label32)
#endif
}
