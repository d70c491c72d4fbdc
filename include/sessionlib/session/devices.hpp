// list_devices: the devices a session runs on, as its engine names them: the
// CPU in process, a CPU per rank under MPI, each with the machine's physical
// memory as its memory limit (TF's DeviceAttributes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <unistd.h>

#include "../config.hpp"
#include "session.hpp"

namespace sessionlib {

/// One device (TF's DeviceAttributes).
struct device_attributes {
  std::string name;          // "/job:localhost/replica:0/task:0/device:CPU:0"
  std::string device_type;   // "CPU"
  std::int64_t memory_limit_bytes = 0;
  std::uint64_t incarnation = 0;
};

#if SESSIONLIB_DEFINITIONS
/// The machine's physical memory in bytes (0 if unknown).
SESSIONLIB_INLINE std::int64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::int64_t>(pages) * page : 0;
}

SESSIONLIB_INLINE std::vector<device_attributes> Session::list_devices() const {
  impl_->check_open();
  std::vector<device_attributes> devices;
  for (std::string& name : impl_->engine().device_names())
    devices.push_back(device_attributes{std::move(name), "CPU", physical_memory_bytes(), 1});
  return devices;
}
#else
SESSIONLIB_DECLARE std::int64_t physical_memory_bytes();
#endif

}  // namespace sessionlib
