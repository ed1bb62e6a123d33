#include "common/open_file_limit.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace gantry {

uint64_t RaiseOpenFileLimit(uint64_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("cannot read the open-file limit: {}", strerror(errno));
    return 0;
  }
  rlim_t before = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      spdlog::warn("cannot raise the open-file limit from {} to {}: {}", before, limit.rlim_max, strerror(errno));
      limit.rlim_cur = before;
    }
  }
  if (limit.rlim_cur < wanted) {
    spdlog::warn("open-file limit is {} (hard limit {}): at most about that many connections and watches; raise "
                 "LimitNOFILE to serve {}",
                 limit.rlim_cur, limit.rlim_max, wanted);
  } else if (limit.rlim_cur != before) {
    spdlog::info("open-file limit raised from {} to {}", before, limit.rlim_cur);
  } else {
    spdlog::info("open-file limit is {}", limit.rlim_cur);
  }
  return limit.rlim_cur;
}

}  // namespace gantry
