/* switch_aarch64.S — the coro runtime's context switch, AArch64 AAPCS64.
 *
 * void rt_coro_switch(void **from_sp, void **to_sp)
 * void *rt_coro_switch_arg(void **from_sp, void **to_sp, void *arg): the same
 * code, returning arg in the context it resumes (see switch.h)
 *
 * Saves what a callee must preserve: x19-x28, the frame pointer x29, the
 * link register x30 (where this switch returns), sp and the low halves of
 * v8-v15 (d8-d15), plus FPCR (rounding mode, per-context FP state). No
 * syscall: the signal mask is not switched.
 *
 * Saved frame, 176 bytes, low to high (rt_ctx_make_asm builds the same one):
 *   x19 x20 x21 x22 x23 x24 x25 x26 x27 x28 x29 x30 d8..d15 fpcr pad
 */
#if defined(__aarch64__)
	.text
	.globl	rt_coro_switch
	.type	rt_coro_switch, %function
	.globl	rt_coro_switch_arg
	.type	rt_coro_switch_arg, %function
	.p2align 4
rt_coro_switch:
rt_coro_switch_arg:
	.cfi_startproc
	/* The CFI keeps backtraces whole, as on x86-64: both stacks hold the
	 * same frame layout, so it stays true across the swap. */
	sub	sp, sp, #176
	.cfi_adjust_cfa_offset 176
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	.cfi_rel_offset x29, 80
	.cfi_rel_offset x30, 88
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	str	x9, [sp, #160]
	mov	x9, sp
	str	x9, [x0]
	ldr	x9, [x1]
	mov	sp, x9
	ldr	x9, [sp, #160]
	msr	fpcr, x9
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	add	sp, sp, #176
	.cfi_adjust_cfa_offset -176
	.cfi_restore x29
	.cfi_restore x30
	mov	x0, x2		/* the switcher's arg: see switch.h */
	/* `ret`, predicted from the return stack: right when both sides switch
	 * from the same call site, as coroutines handing over do (see
	 * switch_x86_64.S, where a Boost-style indirect branch measured
	 * slower in the runtime). */
	ret
	.cfi_endproc
	.size	rt_coro_switch, .-rt_coro_switch
	.size	rt_coro_switch_arg, .-rt_coro_switch_arg

/* A fresh context's first switch returns here with x19 = arg, x20 = fn. The
 * fiber function never returns; if it did, brk traps. */
	.globl	rt_coro_trampoline
	.type	rt_coro_trampoline, %function
	.p2align 4
rt_coro_trampoline:
	.cfi_startproc
	.cfi_undefined x30	/* the bottom of this stack: unwinders stop here */
	mov	x0, x19
	blr	x20
	brk	#1
	.cfi_endproc
	.size	rt_coro_trampoline, .-rt_coro_trampoline
#endif
	.section .note.GNU-stack,"",%progbits
