/*
 * layout.c - what the compiler says about the Xen blkif/netif wire layouts.
 *
 * Every number here (sizeof, _Alignof, offsetof, macro values, ring sizes)
 * is a constant expression evaluated by the compiler for the target ABI and
 * stored in the oracle_layout[] table.  The runnable ABIs print the table
 * (main.c); for arm it is read out of the object file's .oracle_layout
 * section.  The _Static_asserts prove that the shared-ring header is laid out
 * identically for all four ring types, so one "sring" list serves them all.
 */
#include "oracle.h"

#define REC(kind, name, ...) { ORACLE_K_##kind, { __VA_ARGS__ }, name }
#define MSIZE(type, m) sizeof(((type *)0)->m)

#define STRUCT(s)   REC(STRUCT, #s, sizeof(struct s), _Alignof(struct s))
#define FIELD(s, m) REC(FIELD, #m, offsetof(struct s, m), MSIZE(struct s, m))
#define CONST(c)    REC(CONST, #c, (uint32_t)(uint64_t)(int64_t)(c), \
                        (uint32_t)((uint64_t)(int64_t)(c) >> 32))
#define RING(r)     REC(RING, #r, offsetof(struct r##_sring, ring),     \
                        MSIZE(struct r##_sring, ring[0]),                \
                        __CONST_RING_SIZE(r, 4096 * 1),                 \
                        __CONST_RING_SIZE(r, 4096 * 2),                 \
                        __CONST_RING_SIZE(r, 4096 * 4),                 \
                        __CONST_RING_SIZE(r, 4096 * 8),                 \
                        __CONST_RING_SIZE(r, 4096 * 16))
#define SRING(m)    REC(SRING, #m, offsetof(struct blkif_sring, m), \
                        MSIZE(struct blkif_sring, m))

#define SEG(i) FIELD(blkif_request, seg[i].gref),       \
               FIELD(blkif_request, seg[i].first_sect), \
               FIELD(blkif_request, seg[i].last_sect)

#define SAME_IN_ALL_RINGS(m)                                                  \
    _Static_assert(offsetof(struct blkif_sring, m) ==                         \
                       offsetof(struct netif_tx_sring, m) &&                  \
                   offsetof(struct blkif_sring, m) ==                         \
                       offsetof(struct netif_rx_sring, m) &&                  \
                   offsetof(struct blkif_sring, m) ==                         \
                       offsetof(struct xen_netif_ctrl_sring, m),              \
                   "sring header field " #m " moves between ring types")
SAME_IN_ALL_RINGS(req_prod);
SAME_IN_ALL_RINGS(req_event);
SAME_IN_ALL_RINGS(rsp_prod);
SAME_IN_ALL_RINGS(rsp_event);
SAME_IN_ALL_RINGS(pvt);
SAME_IN_ALL_RINGS(pvt.pvt_pad);
SAME_IN_ALL_RINGS(pvt.netif.smartpoll_active);
SAME_IN_ALL_RINGS(pvt.tapif_user.msg);
SAME_IN_ALL_RINGS(__pad);
SAME_IN_ALL_RINGS(ring);

__attribute__((used, section(".oracle_layout")))
const struct oracle_rec oracle_layout[] = {
    REC(ABI, XEN_IO_PROTO_ABI_NATIVE, 0),

    STRUCT(blkif_request),
    FIELD(blkif_request, operation),
    FIELD(blkif_request, nr_segments),
    FIELD(blkif_request, handle),
    FIELD(blkif_request, id),
    FIELD(blkif_request, sector_number),
    FIELD(blkif_request, seg),
    SEG(0), SEG(1), SEG(2), SEG(3), SEG(4), SEG(5),
    SEG(6), SEG(7), SEG(8), SEG(9), SEG(10),

    STRUCT(blkif_request_segment),
    FIELD(blkif_request_segment, gref),
    FIELD(blkif_request_segment, first_sect),
    FIELD(blkif_request_segment, last_sect),

    STRUCT(blkif_request_discard),
    FIELD(blkif_request_discard, operation),
    FIELD(blkif_request_discard, flag),
    FIELD(blkif_request_discard, handle),
    FIELD(blkif_request_discard, id),
    FIELD(blkif_request_discard, sector_number),
    FIELD(blkif_request_discard, nr_sectors),

    STRUCT(blkif_request_indirect),
    FIELD(blkif_request_indirect, operation),
    FIELD(blkif_request_indirect, indirect_op),
    FIELD(blkif_request_indirect, nr_segments),
    FIELD(blkif_request_indirect, id),
    FIELD(blkif_request_indirect, sector_number),
    FIELD(blkif_request_indirect, handle),
    FIELD(blkif_request_indirect, indirect_grefs),
#ifdef __i386__ /* same condition as blkif.h */
    FIELD(blkif_request_indirect, pad),
#endif

    STRUCT(blkif_response),
    FIELD(blkif_response, id),
    FIELD(blkif_response, operation),
    FIELD(blkif_response, status),

    STRUCT(netif_tx_request),
    FIELD(netif_tx_request, gref),
    FIELD(netif_tx_request, offset),
    FIELD(netif_tx_request, flags),
    FIELD(netif_tx_request, id),
    FIELD(netif_tx_request, size),

    STRUCT(netif_tx_response),
    FIELD(netif_tx_response, id),
    FIELD(netif_tx_response, status),

    STRUCT(netif_rx_request),
    FIELD(netif_rx_request, id),
    FIELD(netif_rx_request, pad),
    FIELD(netif_rx_request, gref),

    STRUCT(netif_rx_response),
    FIELD(netif_rx_response, id),
    FIELD(netif_rx_response, offset),
    FIELD(netif_rx_response, flags),
    FIELD(netif_rx_response, status),

    STRUCT(netif_extra_info),
    FIELD(netif_extra_info, type),
    FIELD(netif_extra_info, flags),
    FIELD(netif_extra_info, u),
    FIELD(netif_extra_info, u.gso),
    FIELD(netif_extra_info, u.gso.size),
    FIELD(netif_extra_info, u.gso.type),
    FIELD(netif_extra_info, u.gso.pad),
    FIELD(netif_extra_info, u.gso.features),
    FIELD(netif_extra_info, u.mcast),
    FIELD(netif_extra_info, u.mcast.addr),
    FIELD(netif_extra_info, u.hash),
    FIELD(netif_extra_info, u.hash.type),
    FIELD(netif_extra_info, u.hash.algorithm),
    FIELD(netif_extra_info, u.hash.value),
    FIELD(netif_extra_info, u.pad),

    STRUCT(xen_netif_ctrl_request),
    FIELD(xen_netif_ctrl_request, id),
    FIELD(xen_netif_ctrl_request, type),
    FIELD(xen_netif_ctrl_request, data),

    STRUCT(xen_netif_ctrl_response),
    FIELD(xen_netif_ctrl_response, id),
    FIELD(xen_netif_ctrl_response, type),
    FIELD(xen_netif_ctrl_response, status),
    FIELD(xen_netif_ctrl_response, data),

    STRUCT(xen_netif_gref),
    FIELD(xen_netif_gref, ref),
    FIELD(xen_netif_gref, flags),
    FIELD(xen_netif_gref, status),

    /* blkif.h: every integer object-like macro (assemble.mjs re-greps the
     * headers and fails if one is missing here) */
    CONST(BLKIF_OP_READ),
    CONST(BLKIF_OP_WRITE),
    CONST(BLKIF_OP_WRITE_BARRIER),
    CONST(BLKIF_OP_FLUSH_DISKCACHE),
    CONST(BLKIF_OP_RESERVED_1),
    CONST(BLKIF_OP_DISCARD),
    CONST(BLKIF_OP_INDIRECT),
    CONST(BLKIF_MAX_SEGMENTS_PER_REQUEST),
    CONST(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST),
    CONST(BLKIF_DISCARD_SECURE),
    CONST(BLKIF_RSP_EOPNOTSUPP),
    CONST(BLKIF_RSP_ERROR),
    CONST(BLKIF_RSP_OKAY),
    CONST(VDISK_CDROM),
    CONST(VDISK_REMOVABLE),
    CONST(VDISK_READONLY),

    /* netif.h */
    CONST(XEN_NETIF_NR_SLOTS_MIN),
    CONST(_XEN_NETIF_CTRL_HASH_TYPE_IPV4),
    CONST(XEN_NETIF_CTRL_HASH_TYPE_IPV4),
    CONST(_XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP),
    CONST(XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP),
    CONST(_XEN_NETIF_CTRL_HASH_TYPE_IPV6),
    CONST(XEN_NETIF_CTRL_HASH_TYPE_IPV6),
    CONST(_XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP),
    CONST(XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP),
    CONST(XEN_NETIF_CTRL_HASH_ALGORITHM_NONE),
    CONST(XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ),
    CONST(XEN_NETIF_CTRL_TYPE_INVALID),
    CONST(XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS),
    CONST(XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS),
    CONST(XEN_NETIF_CTRL_TYPE_SET_HASH_KEY),
    CONST(XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE),
    CONST(XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE),
    CONST(XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING),
    CONST(XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM),
    CONST(XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE),
    CONST(XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING),
    CONST(XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING),
    CONST(XEN_NETIF_CTRL_STATUS_SUCCESS),
    CONST(XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED),
    CONST(XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER),
    CONST(XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW),
    CONST(_XEN_NETIF_CTRLF_GREF_readonly),
    CONST(XEN_NETIF_CTRLF_GREF_readonly),
    CONST(_NETTXF_csum_blank),
    CONST(NETTXF_csum_blank),
    CONST(_NETTXF_data_validated),
    CONST(NETTXF_data_validated),
    CONST(_NETTXF_more_data),
    CONST(NETTXF_more_data),
    CONST(_NETTXF_extra_info),
    CONST(NETTXF_extra_info),
    CONST(XEN_NETIF_MAX_TX_SIZE),
    CONST(XEN_NETIF_EXTRA_TYPE_NONE),
    CONST(XEN_NETIF_EXTRA_TYPE_GSO),
    CONST(XEN_NETIF_EXTRA_TYPE_MCAST_ADD),
    CONST(XEN_NETIF_EXTRA_TYPE_MCAST_DEL),
    CONST(XEN_NETIF_EXTRA_TYPE_HASH),
    CONST(XEN_NETIF_EXTRA_TYPE_MAX),
    CONST(_XEN_NETIF_EXTRA_FLAG_MORE),
    CONST(XEN_NETIF_EXTRA_FLAG_MORE),
    CONST(XEN_NETIF_GSO_TYPE_NONE),
    CONST(XEN_NETIF_GSO_TYPE_TCPV4),
    CONST(XEN_NETIF_GSO_TYPE_TCPV6),
    CONST(_NETRXF_data_validated),
    CONST(NETRXF_data_validated),
    CONST(_NETRXF_csum_blank),
    CONST(NETRXF_csum_blank),
    CONST(_NETRXF_more_data),
    CONST(NETRXF_more_data),
    CONST(_NETRXF_extra_info),
    CONST(NETRXF_extra_info),
    CONST(_NETRXF_gso_prefix),
    CONST(NETRXF_gso_prefix),
    CONST(NETIF_RSP_DROPPED),
    CONST(NETIF_RSP_ERROR),
    CONST(NETIF_RSP_OKAY),
    CONST(NETIF_RSP_NULL),

    /* xenbus.h: every enumerator of enum xenbus_state (assemble.mjs reads
     * them from the header too) */
    CONST(XenbusStateUnknown),
    CONST(XenbusStateInitialising),
    CONST(XenbusStateInitWait),
    CONST(XenbusStateInitialised),
    CONST(XenbusStateConnected),
    CONST(XenbusStateClosing),
    CONST(XenbusStateClosed),
    CONST(XenbusStateReconfiguring),
    CONST(XenbusStateReconfigured),

    RING(blkif),
    RING(netif_tx),
    RING(netif_rx),
    RING(xen_netif_ctrl),

    /* the order the golden format asks for, not declaration order */
    SRING(req_prod),
    SRING(req_event),
    SRING(rsp_prod),
    SRING(rsp_event),
    SRING(pvt),
    SRING(pvt.pvt_pad),
    SRING(pvt.netif.smartpoll_active),
    SRING(pvt.tapif_user.msg),
    SRING(__pad),
    SRING(ring),

    REC(END, "", 0),
};
