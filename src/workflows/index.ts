export { refund } from './refund';
export { paymentGuard } from './payment-guard';
export { completionCallback } from './completion-callback';
