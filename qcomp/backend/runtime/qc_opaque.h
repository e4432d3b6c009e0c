/* QC_OPAQUE(p): p's value becomes unknown to the optimiser, so that no kernel is called
   with a constant address (gcc 12 -O2 miscompiles such calls; see qcomp's C backend doc). */
#if defined(__GNUC__)
#define QC_OPAQUE(p) __asm__("" : "+r"(p))
#else
#define QC_OPAQUE(p) do { void *volatile qc_opaque_ = (void *)(p); (p) = qc_opaque_; } while (0)
#endif
