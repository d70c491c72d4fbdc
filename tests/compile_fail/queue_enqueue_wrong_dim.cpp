// expect: sessionlib: enqueue: a component's static dimension differs from the queue's
// expect-one-of: queue_component_dim<0, 784, 783> | always_false_dims<0, 784, 783>
#include <sessionlib/input.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::FIFOQueue<std::tuple<float, std::int64_t>, std::tuple<sl::shape<784>, sl::shape<>>> q(g, 100);
  auto label = sl::placeholder<std::int64_t, sl::shape<>>(g, "label");
  auto batch = sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, "batch");
  auto labels = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "labels");
  (void)q.enqueue_many(std::tuple{batch, labels});
#if SESSIONLIB_CF_FAIL
  auto image = sl::placeholder<float, sl::shape<783>>(g, "image");
  (void)q.enqueue(std::tuple{image, label});  // report::queue_component_dim<0, 784, 783>
#else
  (void)label;
#endif
}
