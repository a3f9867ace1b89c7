export { refund } from './refund';
export { paymentGuard } from './payment-guard';
