export { refund } from './refund';
export { refundWatch } from './refund-watch';
export { paymentGuard, paymentGuardResume } from './payment-guard';
export { completionCallback } from './completion-callback';
export { secpaidReconciler } from './secpaid-reconciler';
