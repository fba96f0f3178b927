// SPDX-License-Identifier: MIT
#include "supervisor/apps_snapshot.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "common/apps/apps_file.hpp"

namespace shoal::sup {
namespace {

common::Result<void> write_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return common::sys_error("open() failed: " + tmp);
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return common::sys_error("write() failed: " + tmp, err);
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return common::sys_error("rename() failed: " + path, err);
    }
    return {};
}

}  // namespace

std::string AppsSnapshot::path_for(const std::string& bus_name) {
    return "/dev/shm/" + bus_name + ".apps.json";
}

common::Result<AppsSnapshot> AppsSnapshot::create(std::string user_file,
                                                  const std::string& bus_name) {
    AppsSnapshot s(std::move(user_file), path_for(bus_name));
    auto n = s.reload();
    if (!n) return n.error();
    s.generation_ = 1;
    return s;
}

common::Result<std::size_t> AppsSnapshot::reload() {
    auto text = common::read_apps_file(user_file_);
    if (!text) return text.error();
    auto apps = common::parse_apps(text.value());
    if (!apps)
        return common::Error{common::Errc::Config, 0,
                             "apps file " + user_file_ + ": " + apps.error().context};
    if (auto w = write_atomically(path_, text.value()); !w) return w.error();
    ++generation_;
    apps_ = apps.value().size();
    set_ = common::AppSet(std::move(apps).value());
    return apps_;
}

void AppsSnapshot::unlink() const noexcept {
    ::unlink(path_.c_str());
}

}  // namespace shoal::sup
