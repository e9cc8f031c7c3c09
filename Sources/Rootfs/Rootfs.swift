// Rootfs
