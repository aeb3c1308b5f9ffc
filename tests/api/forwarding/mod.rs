//! What pushgate hands the Pushgateway (issue 17): the protobuf delimited PUT shows the same
//! samples as the text format.

mod formats;
