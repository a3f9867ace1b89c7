export { refund } from './refund';
export { refundWatch } from './refund-watch';
export { paymentGuard } from './payment-guard';
export { completionCallback } from './completion-callback';
