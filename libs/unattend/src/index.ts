export { renderAutounattend } from './autounattend';
