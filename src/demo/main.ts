/** Entry of the demo page (index.html): page styles and the <vb-demo> element. */
import './demo.css';
import './vb-demo';
