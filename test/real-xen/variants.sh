# Variants of the real-Xen capture (sourced by build.sh and run.sh). Each sets the domU's vcpus, blkback's
# max_ring_page_order, blkfront's max_ring_page_order, persistent grants on both ends (feature_persistent),
# blkback/blkfront max_queues and netback/netfront max_queues; HOLD_MS bounds how long dm-delay holds the guest's
# I/O (dom0 releases it itself once captured; the bound only ends a run gone wrong).
XEN_VARIANTS="order0-persistent order2-nopersist mq2"
variant_settings() {
  HOLD_MS=300000
  case "$1" in
    order0-persistent) DOMU_VCPUS=1 BLKBACK_ORDER=0 BLKFRONT_ORDER=0 PERSISTENT=1 BLK_QUEUES=1 NET_QUEUES=1 ;;
    order2-nopersist)  DOMU_VCPUS=1 BLKBACK_ORDER=2 BLKFRONT_ORDER=2 PERSISTENT=0 BLK_QUEUES=1 NET_QUEUES=1 ;;
    mq2)               DOMU_VCPUS=2 BLKBACK_ORDER=1 BLKFRONT_ORDER=1 PERSISTENT=1 BLK_QUEUES=2 NET_QUEUES=2 ;;
    *) echo "unknown variant $1 (known: $XEN_VARIANTS)" >&2; return 1 ;;
  esac
}
